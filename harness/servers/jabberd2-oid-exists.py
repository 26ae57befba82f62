#!/usr/bin/env python3
# Why a jabberd2 2.7.0 s2s connection can die with "SSL handshake error
# (error:04000066:object identifier routines::oid exists)": jabberd2's own steps
# (sx/ssl.c) on memory BIOs, against this machine's OpenSSL 3 (libssl.so.3).
#   python3 harness/servers/jabberd2-oid-exists.py
# 1. After every handshake in which the peer presented a certificate,
#    _sx_ssl_get_external_id calls OBJ_create("1.3.6.1.5.5.7.8.5", "id-on-xmppAddr", …).
#    OpenSSL >= 1.1 has that object built in, so it fails every time and leaves
#    "oid exists" on the thread's error queue; nothing clears it but the next
#    handshake step (SSL_accept/SSL_connect clear the queue first).
# 2. sx reads 1024 bytes at a time (sx/io.c), so a TLS record can arrive in
#    parts; SSL_read then returns -1, and SSL_get_error, which looks at the error
#    queue first, answers SSL_ERROR_SSL instead of SSL_ERROR_WANT_READ.
#    _sx_ssl_rio takes that as fatal, logs the stale error and closes the stream.
import atexit, ctypes, ctypes.util, os, shutil, subprocess, tempfile
ssl = ctypes.CDLL(ctypes.util.find_library("ssl")); c = ssl  # libcrypto's symbols resolve through libssl
TMP = tempfile.mkdtemp()
atexit.register(shutil.rmtree, TMP)
os.chdir(TMP)
subprocess.run("openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 1 -subj /CN=a.example"
               " -addext subjectAltName=DNS:a.example -addext extendedKeyUsage=serverAuth,clientAuth && cat c.pem k.pem > both.pem",
               shell=True, check=True, capture_output=True)
P = ctypes.c_void_p
for f, r, a in [("TLS_method", P, []), ("SSL_CTX_new", P, [P]), ("SSL_new", P, [P]), ("BIO_new", P, [P]), ("BIO_s_mem", P, []),
                ("SSL_set_bio", None, [P, P, P]), ("SSL_do_handshake", ctypes.c_int, [P]), ("SSL_get_error", ctypes.c_int, [P, ctypes.c_int]),
                ("SSL_read", ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_int]), ("SSL_write", ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_int]),
                ("SSL_CTX_use_certificate_chain_file", ctypes.c_int, [P, ctypes.c_char_p]), ("SSL_CTX_use_PrivateKey_file", ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_int]),
                ("SSL_CTX_set_verify", None, [P, ctypes.c_int, P]), ("SSL_CTX_load_verify_locations", ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_char_p]),
                ("SSL_set_accept_state", None, [P]), ("SSL_set_connect_state", None, [P])]:
    fn = getattr(ssl, f) if hasattr(ssl, f) else getattr(c, f); fn.restype = r; fn.argtypes = a
for f, r, a in [("BIO_write", ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_int]), ("BIO_read", ctypes.c_int, [P, ctypes.c_char_p, ctypes.c_int]),
                ("BIO_ctrl", ctypes.c_long, [P, ctypes.c_int, ctypes.c_long, P]), ("OBJ_create", ctypes.c_int, [ctypes.c_char_p] * 3),
                ("ERR_get_error", ctypes.c_ulong, []), ("ERR_peek_error", ctypes.c_ulong, []), ("ERR_error_string", ctypes.c_char_p, [ctypes.c_ulong, P]), ("ERR_clear_error", None, [])]:
    fn = getattr(c, f); fn.restype = r; fn.argtypes = a
pending = lambda b: ssl.BIO_ctrl(b, 10, 0, None)  # BIO_CTRL_PENDING
def ctx():
    x = ssl.SSL_CTX_new(ssl.TLS_method()); ssl.SSL_CTX_use_certificate_chain_file(x, b"both.pem"); ssl.SSL_CTX_use_PrivateKey_file(x, b"both.pem", 1)
    ssl.SSL_CTX_load_verify_locations(x, b"c.pem", None); ssl.SSL_CTX_set_verify(x, 7, None); return x
def end(server):
    s = ssl.SSL_new(ctx()); r, w = ssl.BIO_new(ssl.BIO_s_mem()), ssl.BIO_new(ssl.BIO_s_mem()); ssl.SSL_set_bio(s, r, w)
    (ssl.SSL_set_accept_state if server else ssl.SSL_set_connect_state)(s); return s, r, w
def move(src_w, dst_r, limit=None):
    n = pending(src_w); buf = ctypes.create_string_buffer(max(n, 1)); got = c.BIO_read(src_w, buf, n) if n else 0
    data = buf.raw[:got]; c.BIO_write(dst_r, data, len(data)) if data else None; return data
S, sr, sw = end(True); C, cr, cw = end(False)
for _ in range(10):
    a = ssl.SSL_do_handshake(C); move(cw, sr); b = ssl.SSL_do_handshake(S); move(sw, cr)
    if a == 1 and b == 1: break
print("handshake done", a, b)
# jabberd2: _sx_ssl_get_external_id after the handshake, on a peer certificate.
print("OBJ_create ->", c.OBJ_create(b"1.3.6.1.5.5.7.8.5", b"id-on-xmppAddr", b"XMPP Address Identity"), "queue:", c.ERR_error_string(c.ERR_peek_error(), None))
# The client's next record (its stream header), handed to the server in two parts.
ssl.SSL_read(C, ctypes.create_string_buffer(4096), 4096)  # takes the server's session tickets
c.ERR_clear_error(); c.OBJ_create(b"1.3.6.1.5.5.7.8.5", b"id-on-xmppAddr", b"XMPP Address Identity")  # as the server did after its handshake
ssl.SSL_write(C, b"<stream:stream to='b.example'>" * 4, 120)
rec = ctypes.create_string_buffer(pending(cw)); n = c.BIO_read(cw, rec, len(rec)); rec = rec.raw[:n]
c.BIO_write(sr, rec[:n // 2], n // 2)
ret = ssl.SSL_read(S, ctypes.create_string_buffer(4096), 4096)
err = ssl.SSL_get_error(S, ret)
print(f"server SSL_read on half a record: ret={ret} SSL_get_error={err} (2 = WANT_READ, 1 = SSL_ERROR_SSL) ERR_get_error: {c.ERR_error_string(c.ERR_get_error(), None).decode()}")
c.ERR_clear_error()
ret = ssl.SSL_read(S, ctypes.create_string_buffer(4096), 4096); print("same read, error queue cleared first: SSL_get_error =", ssl.SSL_get_error(S, ret))

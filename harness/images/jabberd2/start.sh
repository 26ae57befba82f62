#!/bin/bash
# Starts jabberd2's four processes (router first: the others connect to it) as
# user jabber, each one's log lines on stdout prefixed with its name, and stops
# the container when any of them exits.
set -eu
etc=/etc/jabberd2 lib=/var/lib/jabberd2 run=/run/jabberd2
mkdir -p "$run"
# The accounts the harness rendered, in the sqlite database authreg and sm share.
rm -f "$lib/sqlite.db"
zcat /usr/share/doc/jabberd2/db-setup.sqlite.gz | sqlite3 "$lib/sqlite.db" > /dev/null
sqlite3 "$lib/sqlite.db" < "$etc/accounts.sql"
chown -R jabber:jabber "$lib" "$run" "$etc"
: > "$run/ready.log"
# Each line is written whole (mawk's interactive stdout splits a line into two
# writes, which interleave between the four processes): to a file handle of its own
# on stdout, and to ready.log for the waits below.
# s2s names a connection by its fd; lines of an outgoing one get " {fd N: out <peer>}"
# so that a TLS failure on it names the peer (read by harness/servers/jabberd2.ts).
tag='
  match($0, /\[[0-9]+\] \[/) { fd = substr($0, RSTART + 1, RLENGTH - 4) }
  / outgoing connection for / { p = $0; sub(/.* outgoing connection for \x27/, "", p); sub(/\x27.*/, "", p); out[fd] = p }
  / incoming connection$/ { delete out[fd] }
  { line = $0; if (RSTART && (fd in out)) line = line " {fd " fd ": out " out[fd] "}" }
  / disconnect, packets: / { delete out[fd] }
  { printf "%s\n", line > out1; fflush(out1); printf "%s\n", line >> rlog; fflush(rlog) }'
start() {
  name=$1
  setpriv --reuid=jabber --regid=jabber --init-groups "/usr/sbin/jabberd2-$name" -c "$etc/$name.xml" 2>&1 \
    | mawk -W interactive -v n="$name: " -v out1=/proc/self/fd/1 -v rlog="$run/ready.log" "{ \$0 = n \$0 } $tag" &
  # Wait for the process's own ready line before starting the next (at most 60 s).
  for _ in $(seq 300); do
    grep -q "^$name: .*$2" "$run/ready.log" && return 0
    sleep 0.2
  done
  echo "s2s-matrix: jabberd2-$name did not log \"$2\" within 60 s" >&2
  exit 1
}
start router "listening for incoming connections"
start sm "ready for sessions"
start s2s "ready for connections"
start c2s "ready for connections"
echo "s2s-matrix: jabberd2 router, sm, s2s and c2s are up"
wait -n
echo "s2s-matrix: a jabberd2 process exited; stopping" >&2
exit 1

#!/bin/sh
# Debian's prosody account is expired, so su fails under PAM: drop privileges with setpriv.
set -eu
mkdir -p /var/run/prosody
chown -R prosody:prosody /var/lib/prosody /var/run/prosody /etc/prosody/certs 2>/dev/null || true
exec setpriv --reuid=prosody --regid=prosody --init-groups prosody -F --config /etc/prosody/prosody.cfg.lua

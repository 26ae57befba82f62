#!/usr/bin/env bash
# Makes a Docker engine answer on this machine: if `docker info` fails and this
# is Debian with root, install Debian's docker.io and start dockerd in the
# background. Used by .ci/run, npm's pretest (scripts/pretest.mjs) and `s2s-matrix run`
# where no engine answers (docker/provision.ts; --no-install-docker: exit 3 instead).
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ] || [ ! -f /etc/debian_version ]; then
  echo "ensure-docker: no Docker engine answers, and this is not Debian as root: start Docker yourself" >&2
  exit 3
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing docker.io from Debian" >&2
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null
fi
if ! pgrep -x dockerd >/dev/null; then
  echo "ensure-docker: starting dockerd in the background (log: /var/log/dockerd.log)" >&2
  nohup dockerd >/var/log/dockerd.log 2>&1 &
fi
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 1
done
echo "ensure-docker: dockerd did not answer within 60 s; see /var/log/dockerd.log" >&2
exit 3

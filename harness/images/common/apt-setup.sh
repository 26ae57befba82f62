#!/bin/sh
# Installs PACKAGE from DIST and fails loudly if the archive no longer has the
# version the catalog promises. Usage: apt-setup.sh DIST PACKAGE VERSION [EXTRA...]
set -eu
dist=$1 pkg=$2 version=$3; shift 3
# sid's Release file can be past its Valid-Until for a test clock. Only a sid
# image (whose only archive is sid) skips that check: every other suite keeps
# apt's protection against a stale or replayed Release file.
case "$dist" in
  sid|unstable) echo 'Acquire::Check-Valid-Until "false";' > /etc/apt/apt.conf.d/99s2s-matrix ;;
esac
case "$dist" in
  *-backports) echo "deb http://deb.debian.org/debian $dist main" > /etc/apt/sources.list.d/backports.list ;;
esac
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t "$dist" "$pkg" "$@"
installed=$(dpkg-query -W -f='${Version}' "$pkg")
case "$installed" in
  "$version"|"$version"-*|"$version"+*|"$version"~*) ;;
  *) echo "s2s-matrix: the catalog promises $pkg $version from $dist but the archive installed $installed; update harness/servers/catalog.ts" >&2; exit 1 ;;
esac
echo "$installed" > /etc/s2s-matrix-version
rm -rf /var/lib/apt/lists/*

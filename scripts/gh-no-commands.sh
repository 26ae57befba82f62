#!/usr/bin/env bash
# Runs a command while GitHub's runner takes no workflow commands: what it prints
# (server log lines, scenario strings, shard results: untrusted text) cannot annotate,
# mask, group or stop anything. The runner reads stdout and stderr alike; the markers go
# to stderr so that a command's stdout can be redirected to a file.
#   bash scripts/gh-no-commands.sh <command> [args…]   (exits with the command's code)
token="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
printf '::stop-commands::%s\n' "$token" >&2
"$@"
code=$?
printf '::%s::\n' "$token" >&2
exit "$code"

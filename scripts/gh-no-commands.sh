#!/usr/bin/env bash
# Runs a command while GitHub's runner takes no workflow commands: what it prints
# (server log lines, scenario strings, shard results: untrusted text) cannot annotate,
# mask, group or stop anything. The markers go to stderr, so that a command's stdout
# can be redirected to a file (the CLI's --json summary).
#   bash scripts/gh-no-commands.sh <command> [args…]   (exits with the command's code)
# The runner reads stdout and stderr concurrently, so only one stream keeps the markers in
# order with what comes between them: when stdout goes to the runner too (a pipe, a
# socket as Node's child processes get, or a terminal; not a file), the command's
# stdout is sent to stderr.
token="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
printf '::stop-commands::%s\n' "$token" >&2
if [ -p /dev/stdout ] || [ -S /dev/stdout ] || [ -t 1 ]; then "$@" 1>&2; else "$@"; fi
code=$?
printf '::%s::\n' "$token" >&2
exit "$code"

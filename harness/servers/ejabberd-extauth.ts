// ejabberd's external authentication program (extauth, `{packet, 2}` framing: each
// request a 2-byte big-endian length and that many bytes, each answer length 2 then
// 1 or 0). It knows only the run's probe users: `auth` succeeds for one of them with
// its per-run password, `isuser` for their names, everything else fails, so nobody
// else can log in while a run lasts.
//
// Two spellings of one program. ejabberd asks `isuser` for most stanzas to a local
// user, thousands of requests in a run: Perl (perl-base is in every Debian image)
// answers them in one process; the upstream image has no Perl, and there POSIX sh
// reads each request with dd and od, five processes a request.
import type { XmppUser } from "./adapter.ts";

export type ExtauthLanguage = "perl" | "sh";

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function shScript(users: XmppUser[]): string {
  // Requests: auth:User:Server:Password, isuser:User:Server (User and Server hold no ':').
  const cases = users
    .flatMap((u) => [
      `    ${shQuote(`auth:${u.username}:`)}*) [ "\${msg#auth:*:*:}" = ${shQuote(u.password)} ] && ok=1 ;;`,
      `    ${shQuote(`isuser:${u.username}:`)}*) ok=1 ;;`,
    ])
    .join("\n");
  return `#!/bin/sh
# Written by s2s-matrix: ejabberd extauth for this run's probe users only.
while :; do
  set -- $(dd bs=1 count=2 2>/dev/null | od -An -tu1)
  [ $# -eq 2 ] || exit 0
  n=$(($1 * 256 + $2))
  msg=
  [ "$n" -gt 0 ] && msg=$(dd bs=1 count="$n" 2>/dev/null)
  ok=0
  case "$msg" in
${cases}
  esac
  if [ "$ok" = 1 ]; then printf '\\000\\002\\000\\001'; else printf '\\000\\002\\000\\000'; fi
done
`;
}

// Names and passwords as hex: no quoting rule of Perl's can be got wrong.
const hex = (s: string): string => Buffer.from(s, "utf8").toString("hex");

function perlScript(users: XmppUser[]): string {
  // The first entry of a name wins, as in the sh case list.
  const entries = [...users].reverse().map((u) => `  pack("H*", "${hex(u.username)}") => pack("H*", "${hex(u.password)}"),`);
  return `#!/usr/bin/perl
# Written by s2s-matrix: ejabberd extauth for this run's probe users only.
use strict;
my %password = (
${entries.join("\n")}
);
# Exactly n bytes of stdin, or undef at its end.
sub take {
  my ($n) = @_;
  my $buf = "";
  while (length($buf) < $n) {
    my $got = sysread(STDIN, $buf, $n - length($buf), length($buf));
    return undef unless $got;
  }
  return $buf;
}
while (defined(my $head = take(2))) {
  my $msg = take(unpack("n", $head));
  last unless defined $msg;
  my ($op, $user, $server, $pass) = split(/:/, $msg, 4);
  my $known = defined($user) && exists $password{$user};
  my $ok = $op eq "auth" ? $known && defined($pass) && $pass eq $password{$user}
         : $op eq "isuser" ? $known && defined($server)
         : 0;
  syswrite(STDOUT, pack("nn", 2, $ok ? 1 : 0));
}
`;
}

/** The extauth program in the language the image has, for these users. */
export function ejabberdAuthScript(users: XmppUser[], language: ExtauthLanguage): string {
  return language === "perl" ? perlScript(users) : shScript(users);
}

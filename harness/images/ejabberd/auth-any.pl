#!/usr/bin/perl
# ejabberd external authentication (extauth) that accepts every test user:
# c2s logins only carry the probe; what s2s-matrix tests is server-to-server.
use strict;
use warnings;
binmode STDIN; binmode STDOUT; $| = 1;
while (read(STDIN, my $len, 2) == 2) {
    my $n = unpack('n', $len);
    read(STDIN, my $msg, $n) == $n or last;
    my ($op) = split(/:/, $msg, 2);
    my $ok = ($op eq 'auth' || $op eq 'isuser') ? 1 : 0;
    print pack('nn', 2, $ok);
}

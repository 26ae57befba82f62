#!/bin/sh
# Starts ejabberd in the foreground ; in foreground it logs to stdout, which the harness streams.
set -eu
home=/var/lib/ejabberd
# ejabberd refuses to start when the Erlang cookie is readable by others.
if [ ! -s "$home/.erlang.cookie" ]; then
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$home/.erlang.cookie"
fi
# Erlang's schedulers spin while idle by default: with a dozen servers on two
# cores that spinning took CPU from the servers with work to do.
echo 'ERL_OPTIONS="$ERL_OPTIONS +sbwt none +sbwtdcpu none +sbwtdio none"' >> /etc/ejabberd/ejabberdctl.cfg
# Erlang distribution on a fixed port on loopback, without epmd: the node registers with
# an epmd it has just started itself, and on loaded cores that epmd was not yet
# listening ("Protocol 'inet_tcp': register/listen error: econnrefused"): ejabberd stopped.
echo 'ERL_DIST_PORT=5210' >> /etc/ejabberd/ejabberdctl.cfg
echo 'ERL_OPTIONS="$ERL_OPTIONS -kernel inet_dist_use_interface {127,0,0,1}"' >> /etc/ejabberd/ejabberdctl.cfg
mkdir -p /run/ejabberd
chown -R ejabberd:ejabberd "$home" /var/log/ejabberd /etc/ejabberd /run/ejabberd
chmod 0400 "$home/.erlang.cookie"
exec setpriv --reuid=ejabberd --regid=ejabberd --init-groups env HOME=$home ejabberdctl foreground

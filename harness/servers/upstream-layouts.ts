// Where each server keeps its files, per image layout: the images s2s-matrix
// builds from Debian packages (harness/images/<family>) and the projects' own
// upstream images. The prosody and ejabberd adapters render the same
// configuration for both and take every path, mode and command from here.
//
// What differs in the upstream images (from their Dockerfiles and entrypoints):
// - They run the server as an unprivileged user (prosody; ejabberd uid 9000) and
//   have no start script of ours that could chown the copied files first. Docker
//   copies our files in as root, so everything the server reads must be
//   world-readable (throwaway test keys in a throwaway container), and the
//   directories Docker creates for them are root-owned: nothing can be written there.
// - prosodyim/prosody (prosody-docker: Debian + the prosody.im package repository,
//   ENTRYPOINT tini -- /entrypoint.sh, CMD prosody -F): same paths as Debian's
//   package (/etc/prosody/prosody.cfg.lua, /etc/prosody/certs, /var/lib/prosody).
//   Its entrypoint runs `prosody` when the first argument is "prosody" and
//   prosodyctl otherwise. Accounts are read from files we write; every other
//   store lives in memory, since the data directories we create are not writable.
// - ghcr.io/processone/ejabberd (.github/container/Dockerfile: Alpine,
//   ENTRYPOINT tini -- ejabberdctl, CMD foreground, USER ejabberd, HOME /opt/ejabberd):
//   config /opt/ejabberd/conf/ejabberd.yml, logs /opt/ejabberd/logs, Mnesia in
//   /opt/ejabberd/database (writable, the image's own). No Perl: the extauth
//   program is a POSIX sh script copied in with the config (both layouts).
// Logs: both adapters configure logging to the console, i.e. the container's
// stdout, which the harness streams (harness/docker/logbuffer.ts); ejabberd also writes
// its log file, which readiness reads.
import type { CatalogEntry, LayoutKind } from "./adapter.ts";
import type { ExtauthLanguage } from "./ejabberd-extauth.ts";

export type { LayoutKind };

/**
 * The layout of an entry's image. A user image (`image:`) has the one its scenario
 * names or that was detected from the image (docker/images.ts detectLayout);
 * undetected, the projects' own layout is the likelier.
 */
export const layoutOf = (entry: CatalogEntry): LayoutKind =>
  entry.source.kind === "image" ? (entry.source.layout ?? "upstream") : entry.source.kind;

export interface ProsodyLayout {
  config: string;
  certs: string;
  data: string;
  pidfile: string;
  /** Mode of private keys and account files. */
  secretMode: number;
  /** Prosody may write its data directory; otherwise only accounts are on disk and every other store is in memory. */
  writableData: boolean;
  /** Overrides the image's command; undefined keeps it. */
  command?: string[];
  env?: Record<string, string>;
  readyCommand: string;
  versionCommand: string;
}

const PROSODY_DEBIAN = {
  config: "/etc/prosody/prosody.cfg.lua",
  certs: "/etc/prosody/certs",
  data: "/var/lib/prosody",
  pidfile: "/var/run/prosody/prosody.pid",
};
const pidReady = (pidfile: string): string => `test -s ${pidfile} && kill -0 $(cat ${pidfile})`;

export const PROSODY_LAYOUTS: Record<LayoutKind, ProsodyLayout> = {
  // harness/images/prosody: start.sh chowns the files and drops to the prosody user.
  debian: {
    ...PROSODY_DEBIAN,
    secretMode: 0o600,
    writableData: true,
    // daemonize=false still writes the pidfile once the server is listening.
    readyCommand: pidReady(PROSODY_DEBIAN.pidfile),
    versionCommand: "cat /etc/s2s-matrix-version",
  },
  upstream: {
    ...PROSODY_DEBIAN,
    // /tmp is writable whoever the image runs Prosody as.
    pidfile: "/tmp/s2s-matrix-prosody.pid",
    secretMode: 0o644,
    writableData: false,
    // The image's own CMD, spelled out: the entrypoint runs it (as user prosody) because it starts with "prosody".
    command: ["prosody", "-F"],
    // prosody-docker sets it too: flush every log line to stdout at once.
    env: { __FLUSH_LOG: "yes" },
    readyCommand: pidReady("/tmp/s2s-matrix-prosody.pid"),
    // Release tarballs ship prosody.version; the package version is the fallback.
    versionCommand:
      "cat /usr/lib/prosody/prosody.version 2>/dev/null || " +
      "dpkg-query -W -f='${Version}\\n' 'prosody*' 2>/dev/null | sed -n '/./{s/-[^-]*$//;p;q;}'",
  },
};

export interface EjabberdLayout {
  config: string;
  certs: string;
  /** Log files that hold the "is started in the node" line (the first that exists counts). */
  logFiles: string[];
  /** Where render() copies the extauth program that knows the run's probe users (ejabberd-extauth.ts). */
  authProgram: string;
  /** What the image can run it with: Perl where there is one, sh without. */
  authLanguage: ExtauthLanguage;
  configMode: number;
  secretMode: number;
  command?: string[];
  versionCommand: string;
}

const EJABBERD_UPSTREAM_HOME = "/opt/ejabberd";
const EJABBERD_STARTED = "is started in the node";

export const EJABBERD_LAYOUTS: Record<LayoutKind, EjabberdLayout> = {
  // harness/images/ejabberd: start.sh chowns /etc/ejabberd and runs `ejabberdctl foreground` as ejabberd.
  debian: {
    config: "/etc/ejabberd/ejabberd.yml",
    certs: "/etc/ejabberd/certs",
    logFiles: ["/var/log/ejabberd/ejabberd.log"],
    authProgram: "/etc/ejabberd/s2s-matrix-auth.pl",
    authLanguage: "perl",
    configMode: 0o640,
    secretMode: 0o600,
    versionCommand: "cat /etc/s2s-matrix-version",
  },
  upstream: {
    config: `${EJABBERD_UPSTREAM_HOME}/conf/ejabberd.yml`,
    certs: `${EJABBERD_UPSTREAM_HOME}/conf/certs`,
    // LOGS_DIR of the image's ejabberdctl; /home/ejabberd is the ecs image's HOME, for images built on that layout.
    logFiles: [`${EJABBERD_UPSTREAM_HOME}/logs/ejabberd.log`, "/home/ejabberd/logs/ejabberd.log"],
    authProgram: `${EJABBERD_UPSTREAM_HOME}/conf/s2s-matrix-auth.sh`,
    authLanguage: "sh",
    configMode: 0o644,
    secretMode: 0o644,
    // The image's CMD, spelled out: its ENTRYPOINT is `tini -- ejabberdctl`.
    command: ["foreground"],
    // "ejabberd 25.8.0 is started in the node ejabberd@localhost in 2.1s"; else the release directory /opt/ejabberd-<version>.
    versionCommand:
      `v=$(sed -n 's/.*ejabberd \\([0-9][0-9.]*\\) ${EJABBERD_STARTED}.*/\\1/p' ${EJABBERD_UPSTREAM_HOME}/logs/ejabberd.log /home/ejabberd/logs/ejabberd.log 2>/dev/null | head -n 1); ` +
      `[ -n "$v" ] || v=$(ls -d ${EJABBERD_UPSTREAM_HOME}-[0-9]* 2>/dev/null | sed -n 's|.*/ejabberd-||p' | head -n 1); echo "$v"`,
  },
};

/** Exit 0 once one of the log files says the node has started (a grep: instant, unlike `ejabberdctl status`). */
export function ejabberdReadyCommand(layout: EjabberdLayout): string {
  const files = layout.logFiles.map((f) => `'${f}'`).join(" ");
  return `for f in ${files}; do grep -q '${EJABBERD_STARTED}' "$f" 2>/dev/null && exit 0; done; exit 1`;
}

export const prosodyLayout = (entry: CatalogEntry): ProsodyLayout => PROSODY_LAYOUTS[layoutOf(entry)];
export const ejabberdLayout = (entry: CatalogEntry): EjabberdLayout => EJABBERD_LAYOUTS[layoutOf(entry)];

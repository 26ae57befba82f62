// Whether this is Debian as root: where s2s-matrix (and npm's pretest) may install system
// packages. Its own file, importing nothing heavy, so that scripts/pretest.mjs reads it too.
import { existsSync } from "node:fs";

export const debianAsRoot = (): boolean => process.getuid?.() === 0 && existsSync("/etc/debian_version");

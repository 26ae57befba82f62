// The files a step writes for the runner: $GITHUB_OUTPUT and $GITHUB_ENV, as the runner
// reads them (Runner.Worker/FileCommandManager.cs): `name=value` lines and the
// multi-line form `name<<DELIMITER` … `DELIMITER`.
import { existsSync, readFileSync } from "node:fs";

export function parseKeyValueFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  return parseKeyValue(readFileSync(file, "utf8"), file);
}

export function parseKeyValue(text: string, what = "file"): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const eq = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      const name = line.slice(0, eq);
      if (name === "") throw new Error(`${what}: line ${i + 1}: a name is required`);
      out[name] = line.slice(eq + 1);
    } else if (heredoc > 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (delimiter === "") throw new Error(`${what}: line ${i + 1}: a delimiter is required after <<`);
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]);
      if (i >= lines.length) throw new Error(`Matching delimiter not found '${delimiter}'`);
      out[name] = value.join("\n");
    } else {
      throw new Error(`${what}: line ${i + 1}: invalid format '${line}'`);
    }
  }
  return out;
}

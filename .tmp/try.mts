import { readFileSync } from "node:fs";
import { deriveFindings } from "../harness/report/findings/derive.ts";
const r = JSON.parse(readFileSync(process.argv[2], "utf8"));
const t0 = Date.now();
const f = deriveFindings(r);
console.log("ms", Date.now() - t0);
for (const s of f) {
  console.log(s.scenario, s.cells, "statements", s.statements.length);
  console.log(" ", s.default.text);
  for (const st of s.statements) console.log(" -", st.text);
  console.log(s.undecided, s.unexplained);
}

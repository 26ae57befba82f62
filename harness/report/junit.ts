// junit.xml: one testsuite per scenario, one testcase per cell, for CI test reporters.
import type { CellResult, CellSpec, RunResults } from "../../core/types.ts";
import { notRunMessage } from "./incomplete.ts";
import { actualText, decidedText, expectedText, retriedText, scenarioOrder } from "./cells.ts";
import { diagnosisText } from "./diagnosis.ts";
import { escapeXml as x } from "./text.ts";
import { UNDECIDED } from "../../core/judge.ts";

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);
const attr = (s: string): string => x(s, true);

type Verdict = "pass" | "failure" | "error" | "skipped";

/** Untolerated errors are JUnit errors; other misses are failures; a tolerated error is skipped, not hidden. */
export function verdict(c: CellResult): Verdict {
  if (c.outcome === "error" && !c.spec.expected.tolerateError) return "error";
  if (!c.asExpected) return "failure";
  if (c.outcome === "error") return "skipped";
  return "pass";
}

function testcase(c: CellResult): string {
  const v = verdict(c);
  const open = `    <testcase name="${attr(c.spec.id)}" classname="${attr(c.spec.scenario)}" time="${seconds(c.durationMs)}">`;
  const body: string[] = [];
  if (v === "failure") {
    const message = c.mismatch || `expected ${expectedText(c.spec.expected)}, got ${actualText(c)}`;
    body.push(`      <failure message="${attr(message)}" type="unexpected">${x(diagnosisText(c))}</failure>`);
  } else if (v === "error") {
    body.push(`      <error message="${attr(c.error || UNDECIDED)}" type="harness-error">${x(diagnosisText(c))}</error>`);
  } else if (v === "skipped") {
    body.push(`      <skipped message="${attr(`tolerated error: ${c.error || UNDECIDED}`)}"/>`);
  }
  // The outcome in words first: a passing one-way cell must not read as a working pair.
  // How it was decided, and a verdict that needed the re-run: CI readers see both without results.json.
  const how = [decidedText(c) && `decided by: ${decidedText(c)}`, retriedText(c)].filter((l): l is string => !!l);
  body.push(`      <system-out>${x([`outcome: ${actualText(c)}`, ...how, ...c.logs].join("\n"))}</system-out>`);
  return [open, ...body, "    </testcase>"].join("\n");
}

/** A cell an incomplete run did not run: skipped, with why the run stopped. */
const notRunCase = (spec: CellSpec, message: string): string =>
  [
    `    <testcase name="${attr(spec.id)}" classname="${attr(spec.scenario)}" time="0.000">`,
    `      <skipped message="${attr(message)}"/>`,
    "    </testcase>",
  ].join("\n");

function counts(cells: CellResult[], notRun = 0) {
  const n = (v: Verdict) => cells.filter((c) => verdict(c) === v).length;
  return {
    tests: cells.length + notRun,
    failures: n("failure"),
    errors: n("error"),
    skipped: n("skipped") + notRun,
    time: seconds(cells.reduce((t, c) => t + c.durationMs, 0)),
  };
}

const countAttrs = (c: ReturnType<typeof counts>): string =>
  `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${c.time}"`;

export function renderJunit(results: RunResults): string {
  const notRun = results.incomplete?.notRun ?? [];
  const scenarios = [...new Set([...scenarioOrder(results.scenarios, results.cells), ...notRun.map((c) => c.scenario)])];
  const suites = scenarios.map((scenario) => {
    const cells = results.cells.filter((c) => c.spec.scenario === scenario);
    const skipped = notRun.filter((c) => c.scenario === scenario);
    const props = [
      ["runId", results.runId],
      ["harnessVersion", results.harnessVersion],
      ["isolation", results.isolation],
      ...(results.incomplete ? [["incomplete", `${results.incomplete.finished} finished, ${results.incomplete.notRun.length} not run: ${results.incomplete.reason.split("\n")[0]}`]] : []),
    ]
      .map(([k, v]) => `      <property name="${k}" value="${attr(v)}"/>`)
      .join("\n");
    return [
      `  <testsuite name="${attr(scenario)}" ${countAttrs(counts(cells, skipped.length))} timestamp="${attr(results.startedAt)}">`,
      `    <properties>\n${props}\n    </properties>`,
      ...cells.map(testcase),
      ...skipped.map((c) => notRunCase(c, notRunMessage(results))),
      "  </testsuite>",
    ].join("\n");
  });
  const total = { ...counts(results.cells, notRun.length), time: seconds(results.durationMs) };
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="s2s-matrix" ${countAttrs(total)}>`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}

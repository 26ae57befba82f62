// A stand-in for GitHub's runner, enough to execute this repository's composite action
// and workflows on this machine (see README of each file). Not a general runner: what it
// does not provide (a glob in hashFiles, an action it has no stand-in for, matrix
// include/exclude) it refuses by name instead of guessing.
export { CommandChannel, parseV2, parseLegacy, type Annotation } from "./commands.ts";
export { evaluate, evaluateIf, interpolate, hashFiles } from "./expressions.ts";
export { parseKeyValue } from "./files.ts";
export { Job, STEP_SUMMARY_LIMIT, type JobOptions } from "./job.ts";
export { shellCommand } from "./shell.ts";
export { STAND_INS, VENDORED } from "./stand-ins.ts";
export { effectivePermissions, tokenFor, tokenPermissions, type Permissions } from "./token.ts";
export { runSteps, runComposite, type StepDef, type StepResult } from "./steps.ts";
export { cloneTree } from "./tree.ts";
export { runWorkflow, expandMatrix, type LegResult } from "./workflow.ts";
export { installFakeGh, recordRun, type RecordedRun } from "./fake-gh.ts";

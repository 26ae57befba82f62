// The shape of a scenario once loaded and validated (see scenario.schema.json for the file format).
import type { Dialback, ExpectedOutcome, ProfileName } from "../harness/types.ts";

export interface ScenarioServer {
  /** `family@version`, a catalog key. */
  id: string;
  /** Skip (rather than fail) when the image is unavailable. */
  optional: boolean;
}

/**
 * Values per side. `symmetric`: the file gave one list, and both sides of a cell
 * take the same value (then `initiator` and `receiver` are the same list).
 */
export interface SidedValues<T> {
  initiator: T[];
  receiver: T[];
  symmetric: boolean;
}

/** One certificate combination: what each side of a cell presents. */
export interface CertificatePair {
  initiator: ProfileName;
  receiver: ProfileName;
}

export type PairsMode = "all" | "cross";

/** One entry of `expect.rules`, keys normalised (snake_case → camelCase, `certificate` → `initiatorCertificate`, booleans → on/off). */
export interface ExpectRule {
  /** Position in `expect.rules`. */
  index: number;
  /** 1-based line of the rule in the file, for messages. */
  line?: number;
  initiator?: string;
  receiver?: string;
  initiatorCertificate?: ProfileName;
  receiverCertificate?: ProfileName;
  /** on: both sides on; off: at least one side off. */
  dialback?: Dialback;
  initiatorDialback?: Dialback;
  receiverDialback?: Dialback;
  outcome: ExpectedOutcome;
  ping?: "ok" | "fails";
  auth?: "external" | "dialback";
  reason?: string;
}

export interface Scenario {
  /** The path the scenario was loaded from, as given. */
  file: string;
  name: string;
  description?: string;
  servers: ScenarioServer[];
  /** Every (initiator, receiver) combination, in file order, whichever form the file used. */
  certificates: CertificatePair[];
  dialback: SidedValues<Dialback>;
  pairs: PairsMode;
  /** Outcomes that do not fail the run (only "error" today). */
  tolerate: "error"[];
  expect: {
    default: ExpectedOutcome;
    rules: ExpectRule[];
  };
}

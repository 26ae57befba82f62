// The shape of a scenario once loaded and validated (see scenario.schema.json for the file format).
import type { Dialback, ExpectedOutcome, FindingWhen, ProfileName } from "../core/types.ts";
import type { Family } from "../harness/servers/catalog.ts";

export interface ScenarioServer {
  /**
   * The server's name in cells and reports: the entry's `name`, else its `family@version`
   * (the catalog's, or a published release of a family that has one pattern).
   */
  id: string;
  /** Whether the entry gave a `name`. */
  named: boolean;
  family: Family;
  /** The version from `server: family@version`; undefined for an `image:`, read from the running server. */
  version?: string;
  /** A user's own image of `family` (`image:`), run with the family's adapter. */
  image?: string;
  /** Where that image keeps its files; undefined: detected from the image. */
  layout?: "debian" | "upstream";
  /** The operator's own configuration file (`config:`, relative to the scenario file), read when the scenario is loaded. */
  config?: { file: string; text: string };
  /** Skip (rather than fail) when the image is unavailable. */
  optional: boolean;
  /** 1-based line of the entry in the scenario file, for messages. */
  line?: number;
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

/**
 * One entry of `expect.rules`, keys normalised (snake_case → camelCase, `certificate` → `initiatorCertificate`, booleans → on/off).
 * Its selectors are core's FindingWhen, so that a finding can be written as a rule.
 */
export interface ExpectRule extends FindingWhen {
  /** Position in `expect.rules`. */
  index: number;
  /** 1-based line of the rule in the file, for messages. */
  line?: number;
  outcome: ExpectedOutcome;
  /** `outcome: [a, b]`: every outcome listed, `outcome` being the first. */
  anyOf?: ExpectedOutcome[];
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

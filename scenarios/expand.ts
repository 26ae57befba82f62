// A scenario → its cells: every directed pair of servers × certificates × dialback.
import type { CellSide, CellSpec, Dialback, ProfileName } from "../harness/types.ts";
import { expectationFor } from "./expect.ts";
import type { Scenario, SidedValues } from "./model.ts";

/** (initiator, receiver) dialback pairs: zipped for the symmetric list form, every combination otherwise. */
function combos<T>(v: SidedValues<T>): [T, T][] {
  if (v.symmetric) return v.initiator.map((x) => [x, x]);
  return v.initiator.flatMap((i) => v.receiver.map((r): [T, T] => [i, r]));
}

const both = (a: string, b: string): string => (a === b ? a : `${a}→${b}`);

/**
 * `prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]`; a side-specific
 * value is written initiator→receiver: `[server-only→dual-eku, dialback on→off]`.
 * A value both sides share is written once, whichever form the scenario used.
 */
export function cellId(initiator: CellSide, receiver: CellSide): string {
  return `${initiator.server} → ${receiver.server} [${both(initiator.certificate, receiver.certificate)}, dialback ${both(initiator.dialback, receiver.dialback)}]`;
}

/**
 * Every cell of `scenario`, each with its expectation. Order: initiator (servers
 * order), receiver (servers order), certificate combination, dialback combination.
 * A server is paired with a second instance of itself unless `pairs: cross`.
 */
export function expandCells(scenario: Scenario): CellSpec[] {
  const certs = scenario.certificates.map((c): [ProfileName, ProfileName] => [c.initiator, c.receiver]);
  const dialbacks = combos<Dialback>(scenario.dialback);
  const cells: CellSpec[] = [];
  for (const from of scenario.servers) {
    for (const to of scenario.servers) {
      if (scenario.pairs === "cross" && from.id === to.id) continue;
      for (const [ic, rc] of certs) {
        for (const [id, rd] of dialbacks) {
          const initiator: CellSide = { server: from.id, certificate: ic, dialback: id };
          const receiver: CellSide = { server: to.id, certificate: rc, dialback: rd };
          cells.push({
            id: cellId(initiator, receiver),
            scenario: scenario.name,
            initiator,
            receiver,
            expected: expectationFor(scenario, { initiator, receiver }),
          });
        }
      }
    }
  }
  return cells;
}

// A scenario → its cells: every directed pair of servers × certificates × dialback.
import type { CellSide, CellSpec, Dialback, ProfileName } from "../core/types.ts";
import { cellId } from "../core/label.ts";
import { expectationFor } from "./expect.ts";
import type { Scenario, SidedValues } from "./model.ts";

/** (initiator, receiver) dialback pairs: zipped for the symmetric list form, every combination otherwise. */
function combos<T>(v: SidedValues<T>): [T, T][] {
  if (v.symmetric) return v.initiator.map((x) => [x, x]);
  return v.initiator.flatMap((i) => v.receiver.map((r): [T, T] => [i, r]));
}

/** A scenario server as a cell side: by name, with what runs under a name. */
function side(s: Scenario["servers"][number], certificate: ProfileName, dialback: Dialback): CellSide {
  const cell: CellSide = { server: s.id, certificate, dialback };
  if (s.named) cell.runs = s.version !== undefined ? `${s.family}@${s.version}` : s.family;
  return cell;
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
          const initiator = side(from, ic, id);
          const receiver = side(to, rc, rd);
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

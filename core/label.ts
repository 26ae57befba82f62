// How a cell is named, in its id and in every report: the one place that writes it.
import type { CellSide } from "./types.ts";

/** A value of both sides: once when they agree, else initiator→receiver. */
export const sided = (initiator: string, receiver: string): string => (initiator === receiver ? initiator : `${initiator}→${receiver}`);

/**
 * A cell's certificate and dialback combination: `server-only, dialback off`; a
 * side-specific value is written initiator→receiver: `server-only→dual-eku, dialback on→off`.
 * A value both sides share is written once, whichever form the scenario used.
 */
export function comboLabel(initiator: Omit<CellSide, "server">, receiver: Omit<CellSide, "server">): string {
  return `${sided(initiator.certificate, receiver.certificate)}, dialback ${sided(initiator.dialback, receiver.dialback)}`;
}

/**
 * `prosody@0.12.3 → ejabberd@23.01 [server-only, dialback off]`: the servers by name
 * (`ours → prosody@13.0.7 […]` for a named one, so that the id, and a baseline's
 * match, stays the same across a version bump), then the combination.
 */
export function cellId(initiator: CellSide, receiver: CellSide): string {
  return `${initiator.server} → ${receiver.server} [${comboLabel(initiator, receiver)}]`;
}

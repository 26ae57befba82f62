// The adapter of each server family.
import type { Family } from "../../core/types.ts";
import type { ServerAdapter } from "./adapter.ts";
import { ejabberd } from "./ejabberd.ts";
import { openfireAdapter } from "./openfire.ts";
import { prosody } from "./prosody.ts";

const ADAPTERS: Record<Family, ServerAdapter> = { prosody, ejabberd, openfire: openfireAdapter };

export function adapterFor(family: Family): ServerAdapter {
  const a = ADAPTERS[family];
  if (!a) throw new Error(`no adapter for server family ${family}`);
  return a;
}

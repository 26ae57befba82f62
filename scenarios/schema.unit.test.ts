import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Dialback, ProfileName } from "../core/types.ts";
import { SCENARIO_SCHEMA } from "./load.ts";

// Exhaustive over the ProfileName union: the compiler fails if a profile is added there and not here.
const PROFILES: Record<ProfileName, true> = {
  "server-only": true,
  "dual-eku": true,
  "no-eku": true,
  "client-only": true,
  expired: true,
  "wrong-name": true,
  untrusted: true,
  "self-signed": true,
  "le-tlsserver": true,
  "le-shortlived": true,
  "missing-intermediate": true,
  wildcard: true,
  "wildcard-mismatch": true,
  "rsa-classic": true,
};
const DIALBACK: Record<Dialback, true> = { on: true, off: true };

describe("scenario.schema.json", () => {
  it("is a draft-07 schema the default Ajv class compiles in strict mode", () => {
    expect(SCENARIO_SCHEMA.$schema).toBe("http://json-schema.org/draft-07/schema#");
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    expect(() => ajv.compile(SCENARIO_SCHEMA)).not.toThrow();
  });

  it("lists exactly the profiles and dialback values of core/types.ts", () => {
    expect(new Set(SCENARIO_SCHEMA.definitions.profile.enum)).toEqual(new Set(Object.keys(PROFILES)));
    expect(SCENARIO_SCHEMA.definitions.dialbackValue.enum).toEqual([...Object.keys(DIALBACK), true, false]);
  });

  it("validates the shipped scenarios and rejects unknown keys", () => {
    const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(SCENARIO_SCHEMA);
    for (const name of ["letsencrypt-2026.yaml", "smoke.yaml"]) {
      const data = parse(readFileSync(fileURLToPath(new URL(name, import.meta.url)), "utf8"));
      expect(validate(data), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(validate({ ...data, extra: 1 })).toBe(false);
    }
  });
});

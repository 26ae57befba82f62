import { describe, expect, it } from "vitest";
import { compareVersions, matchesSelector, parseRange, parseSelector, satisfies } from "./versions.ts";

describe("compareVersions", () => {
  it("orders Prosody x.y.z numerically, component by component", () => {
    expect(compareVersions("0.12.3", "13.0.1", "prosody")).toBe(-1);
    expect(compareVersions("13.0.1", "0.12.3", "prosody")).toBe(1);
    expect(compareVersions("13.0.1", "13.0.7", "prosody")).toBe(-1);
    expect(compareVersions("13.0.6", "13.0.7")).toBe(-1);
    expect(compareVersions("0.9.9", "0.9.10")).toBe(-1); // not string order
    expect(compareVersions("0.12.3", "0.12.3")).toBe(0);
  });

  it("orders ejabberd YY.MM and YY.MM.N", () => {
    expect(compareVersions("23.01", "25.07", "ejabberd")).toBe(-1);
    expect(compareVersions("25.07", "26.07", "ejabberd")).toBe(-1);
    expect(compareVersions("24.12", "25.07", "ejabberd")).toBe(-1);
    expect(compareVersions("25.07", "25.10", "ejabberd")).toBe(-1);
    expect(compareVersions("24.12", "24.12.1", "ejabberd")).toBe(-1);
    expect(compareVersions("24.12.0", "24.12", "ejabberd")).toBe(0);
    expect(compareVersions("25.07", "25.7", "ejabberd")).toBe(0);
  });

  it("orders Openfire x.y.z", () => {
    expect(compareVersions("4.9.2", "5.0.0", "openfire")).toBe(-1);
    expect(compareVersions("4.10.0", "4.9.2", "openfire")).toBe(1);
  });

  it("uses a suffix only to break ties (~ before the release, others after)", () => {
    expect(compareVersions("13.0.7~rc1", "13.0.7")).toBe(-1);
    expect(compareVersions("13.0.7-1", "13.0.7")).toBe(1);
    expect(compareVersions("13.0.7-1", "13.0.8")).toBe(-1);
  });

  it("throws on something that is not a version", () => {
    expect(() => compareVersions("abc", "1.0")).toThrow(/invalid version "abc"/);
  });
});

describe("parseRange / satisfies", () => {
  it("supports < <= > >= = and comma-joined AND", () => {
    expect(satisfies("24.12", "<25.07")).toBe(true);
    expect(satisfies("25.07", "<25.07")).toBe(false);
    expect(satisfies("25.07", "<=25.07")).toBe(true);
    expect(satisfies("26.07", ">25.07")).toBe(true);
    expect(satisfies("25.07", ">=25.07")).toBe(true);
    expect(satisfies("23.01", ">=25.07")).toBe(false);
    expect(satisfies("0.12.3", "=0.12.3")).toBe(true);
    expect(satisfies("13.0.1", "=13.0")).toBe(false);
    expect(satisfies("24.12", ">=24.12,<26")).toBe(true);
    expect(satisfies("26.07", ">=24.12,<26")).toBe(false);
    expect(satisfies("23.01", ">=24.12,<26")).toBe(false);
    expect(satisfies("24.12", " >= 24.12 , < 26 ")).toBe(true);
  });

  it("treats a bare version as a component prefix", () => {
    expect(satisfies("13.0.7", "13")).toBe(true);
    expect(satisfies("13.0.7", "13.0")).toBe(true);
    expect(satisfies("13.0.7", "13.0.7")).toBe(true);
    expect(satisfies("13.0.1", "13.0.7")).toBe(false);
    expect(satisfies("13.0.10", "13.0.1")).toBe(false); // components, not characters
    expect(satisfies("0.12.3", "13")).toBe(false);
  });

  it("rejects malformed ranges with a message", () => {
    expect(() => parseRange("<<25")).toThrow(/invalid version range "<<25"/);
    expect(() => parseRange(">=abc")).toThrow(/invalid version range/);
    expect(() => parseRange("")).toThrow(/empty version range/);
    expect(() => parseRange("24.12,25.07")).toThrow(/each needs an operator/);
    expect(parseRange(">=24.12,<26").clauses.map((c) => c.op)).toEqual([">=", "<"]);
  });
});

describe("matchesSelector", () => {
  it("matches *, a family, an exact version and a range", () => {
    expect(matchesSelector("*", "prosody@0.12.3")).toBe(true);
    expect(matchesSelector("prosody", "prosody@0.12.3")).toBe(true);
    expect(matchesSelector("prosody", "ejabberd@23.01")).toBe(false);
    expect(matchesSelector("ejabberd@23.01", "ejabberd@23.01")).toBe(true);
    expect(matchesSelector("ejabberd@23.01", "ejabberd@24.12")).toBe(false);
    expect(matchesSelector("ejabberd@<25.07", "ejabberd@24.12")).toBe(true);
    expect(matchesSelector("ejabberd@<25.07", "ejabberd@23.01")).toBe(true);
    expect(matchesSelector("ejabberd@<25.07", "ejabberd@26.07")).toBe(false);
    expect(matchesSelector("ejabberd@>=25.07", "ejabberd@26.07")).toBe(true);
    expect(matchesSelector("ejabberd@>=24.12,<26", "ejabberd@24.12")).toBe(true);
    expect(matchesSelector("ejabberd@>=24.12,<26", "ejabberd@26.07")).toBe(false);
    expect(matchesSelector("prosody@<13", "prosody@0.12.3")).toBe(true);
    expect(matchesSelector("prosody@<13", "prosody@13.0.1")).toBe(false);
    // a range never crosses families
    expect(matchesSelector("ejabberd@<25.07", "prosody@0.12.3")).toBe(false);
  });

  it("rejects malformed selectors", () => {
    expect(() => parseSelector("Prosody")).toThrow(/invalid server selector/);
    expect(() => parseSelector("ejabberd@<<25")).toThrow(/invalid version range/);
    expect(parseSelector("*")).toEqual({ text: "*" });
    expect(parseSelector("prosody")).toEqual({ text: "prosody", family: "prosody" });
  });
});

// The bench's figures over repeated runs, and its arguments.
import { describe, expect, it } from "vitest";
import { repeatArg, runOrder, runsCell, scenarioArg, wallCell } from "./bench-figures.ts";

describe("bench figures over repeated runs", () => {
  it("a wall time: the median, then every run in the order run", () => {
    expect(wallCell([34.6])).toBe("34.6");
    expect(wallCell([36.1, 34.6, 41.2])).toBe("36.1 (36.1, 34.6, 41.2)");
    // An even count: the mean of the middle two.
    expect(wallCell([35.8, 41.2])).toBe("38.5 (35.8, 41.2)");
  });

  it("another figure: once when the runs agree, else each run's", () => {
    expect(runsCell([17, 17, 17])).toBe("17");
    expect(runsCell([256, 255])).toBe("256, 255");
  });

  it("shared and capture take turns; the isolated run comes once, last", () => {
    expect(runOrder(["vhost", "container", "vhost+capture"], 2)).toEqual([
      { mode: "vhost", round: 1 },
      { mode: "vhost+capture", round: 1 },
      { mode: "vhost", round: 2 },
      { mode: "vhost+capture", round: 2 },
      { mode: "container", round: 1 },
    ]);
    expect(runOrder(["vhost"], 1)).toEqual([{ mode: "vhost", round: 1 }]);
  });

  it("--repeat takes a count from 1 to 10; the scenario is not its count", () => {
    expect(repeatArg([])).toBe(1);
    expect(repeatArg(["--repeat", "3", "s.yaml"])).toBe(3);
    for (const bad of [["--repeat"], ["--repeat", "0"], ["--repeat", "11"], ["--repeat", "2.5"], ["--repeat", "s.yaml"]])
      expect(() => repeatArg(bad)).toThrow(/--repeat takes a count from 1 to 10/);
    expect(scenarioArg(["--repeat", "3", "s.yaml"])).toBe("s.yaml");
    expect(scenarioArg(["--sharding-only"])).toBeUndefined();
  });
});

// The one duration formatter, written out by hand for each range.
import { describe, expect, it } from "vitest";
import { formatDuration } from "./time.ts";

describe("formatDuration", () => {
  it("seconds with one decimal, a whole second without", () => {
    expect([0, 800, 2_500, 12_340, 30_000, 59_940].map(formatDuration)).toEqual(["0s", "0.8s", "2.5s", "12.3s", "30s", "59.9s"]);
  });
  it("minutes and seconds; whole minutes alone", () => {
    expect([59_950, 83_000, 90_000, 1_200_000, 3_599_000].map(formatDuration)).toEqual(["1m", "1m 23s", "1m 30s", "20m", "59m 59s"]);
  });
  it("hours and minutes; whole hours alone", () => {
    expect([3_600_000, 3_720_000, 5_400_000].map(formatDuration)).toEqual(["1h", "1h 02m", "1h 30m"]);
  });
  it("what is no duration", () => {
    expect([-1, Number.NaN, Number.POSITIVE_INFINITY].map(formatDuration)).toEqual(["?", "?", "?"]);
  });
});

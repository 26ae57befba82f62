// The bench's figures over repeated runs (bench.ts): how a mode's runs are shown,
// and its arguments.

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : 0;
};

/** A figure over a mode's runs: the value when they agree, else each run's. */
export function runsCell(values: number[]): string {
  return values.every((v) => v === values[0]) ? String(values[0]) : values.join(", ");
}

/** Wall time over a mode's runs: the median, then every run when there are several. */
export function wallCell(walls: number[]): string {
  const m = Math.round(median(walls) * 10) / 10;
  return walls.length > 1 ? `${m} (${walls.join(", ")})` : String(m);
}

/** `--repeat N`: a count from 1 to 10; anything else is an error naming the flag. */
export function repeatArg(args: string[]): number {
  const i = args.indexOf("--repeat");
  if (i < 0) return 1;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 10) throw new Error(`--repeat takes a count from 1 to 10, not ${JSON.stringify(args[i + 1] ?? "")}`);
  return n;
}

/** The scenario file: the first argument that is neither a flag nor --repeat's count. */
export function scenarioArg(args: string[]): string | undefined {
  return args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--repeat");
}

/**
 * The bench's runs in order: the modes other than the isolated one take turns `repeat`
 * times (so that the machine's drift falls on both alike), then the isolated one once.
 */
export function runOrder<M extends string>(modes: readonly M[], repeat: number): { mode: M; round: number }[] {
  const turns = modes.filter((m) => m !== "container");
  return [
    ...Array.from({ length: repeat }, (_, r) => turns.map((mode) => ({ mode, round: r + 1 }))).flat(),
    ...modes.filter((m) => m === "container").map((mode) => ({ mode, round: 1 })),
  ];
}

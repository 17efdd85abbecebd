// In-process comparisons: the sides take turns in rounds (the order rotates each round), each
// side making a batch of calls one after another, so machine noise hits them alike.

/** One side of a comparison: one call of what is measured. */
export type Side = () => Promise<unknown>;

/**
 * Runs `rounds` rounds of `calls` sequential calls per side after `warmup` unrecorded rounds.
 * Returns, per side, each round's call times in milliseconds.
 */
export async function latencyRounds<K extends string>(
  sides: Record<K, Side>,
  settings: { rounds: number; calls: number; warmup: number },
): Promise<Record<K, number[][]>> {
  const names = Object.keys(sides) as K[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[][]])) as Record<
    K,
    number[][]
  >;
  for (let round = -settings.warmup; round < settings.rounds; round++) {
    const order = names.map((_, i) => names[(i + Math.max(round, 0)) % names.length]!);
    for (const name of order) {
      const call = sides[name];
      const samples: number[] = [];
      for (let i = 0; i < settings.calls; i++) {
        const started = performance.now();
        await call();
        samples.push(performance.now() - started);
      }
      if (round >= 0) times[name].push(samples);
    }
  }
  return times;
}

/** Per-round ratios of a statistic of side `a` to the same statistic of side `b`. */
export function roundRatios(
  a: readonly number[][],
  b: readonly number[][],
  statistic: (samples: readonly number[]) => number,
): number[] {
  return a.map((samples, i) => statistic(samples) / statistic(b[i]!));
}

/** The mean of a list of numbers. */
export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

// What a benchmark row is, what it reports, and how a figure is judged against its target.
import type { Summary } from './stats.js';

/** What a figure must reach. */
export interface Target {
  /** The figure must be at least this (a ratio of speeds, say). */
  atLeast?: number;
  /** The figure must be at most this (a time, a size). */
  atMost?: number;
  /**
   * A target on speed or time. Machine noise can move such a figure in a short run, so
   * `--quick --check` reports it without enforcing it; a full run enforces every target.
   */
  timing: boolean;
}

/** How a figure reads: a ratio (x), a time, a size, a plain count. */
export type Unit = 'x' | 'ms' | 's' | 'B' | 'B/cycle' | '';

/** One measured figure of a row. */
export interface Figure {
  /** What is measured, e.g. `sessionLimit / hand-written floor`. */
  label: string;
  /** The value the target is judged on: the median of per-round values, or a single value. */
  value: number;
  unit: Unit;
  /** The lowest and highest round and how many rounds, where the figure has rounds. */
  spread?: { min: number; max: number; n: number };
  target?: Target;
  /** Other measurements beside the judged one (the wall-clock throughput ratio, say). */
  detail?: string;
}

/** What a row may use while it runs. */
export interface RowContext {
  /** The short run (`--quick`): fewer rounds, a smaller scale. */
  quick: boolean;
  /** Prints a progress line. */
  log(line: string): void;
}

/** One row of the table: a comparison, measured by `run`. */
export interface Row {
  /** The row's number in the table, as `--only` takes it. */
  id: string;
  /** A short name `--only` also takes, e.g. `express`. */
  name: string;
  /** What the row compares. */
  title: string;
  run(context: RowContext): Promise<Figure[]>;
}

/** A figure's verdict: met, missed, not enforced in this mode, or no target at all. */
export type Verdict = 'pass' | 'MISS' | 'not enforced' | '';

/** Judges a figure against its target; a timing target is not enforced in a quick run. */
export function judge(figure: Figure, quick: boolean): Verdict {
  const { target } = figure;
  if (!target) return '';
  const met =
    (target.atLeast === undefined || figure.value >= target.atLeast) &&
    (target.atMost === undefined || figure.value <= target.atMost);
  if (met) return 'pass';
  return quick && target.timing ? 'not enforced' : 'MISS';
}

/** A ratio figure from per-round ratios. */
export function ratioFigure(
  label: string,
  rounds: Summary,
  target?: Target,
  detail?: string,
): Figure {
  return {
    label,
    value: rounds.median,
    unit: 'x',
    spread: { min: rounds.min, max: rounds.max, n: rounds.n },
    ...(target ? { target } : {}),
    ...(detail === undefined ? {} : { detail }),
  };
}

/** How a number reads in the table: ratios to 3 decimals, other figures to 3 significant digits. */
export function formatValue(value: number, unit: Unit): string {
  if (unit === 'x') return value.toFixed(3);
  if (Number.isInteger(value) && Math.abs(value) >= 100) return String(value);
  return Number(value.toPrecision(3)).toString();
}

/** The target as the table states it, e.g. `>= 1.0` or `<= 20 ms`. */
export function formatTarget(target: Target | undefined, unit: Unit): string {
  if (!target) return '';
  const suffix = unit === '' || unit === 'x' ? '' : ` ${unit}`;
  const parts: string[] = [];
  if (target.atLeast !== undefined) parts.push(`>= ${target.atLeast}${suffix}`);
  if (target.atMost !== undefined) parts.push(`<= ${target.atMost}${suffix}`);
  return parts.join(', ');
}

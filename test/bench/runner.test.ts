import { describe, expect, it } from 'vitest';
import { parseBenchArgs, selectRows } from '../../bench/cli.js';
import {
  failed,
  rowsThatCouldNotRun,
  runInfo,
  withReadmeResults,
  type RowResult,
} from '../../bench/report.js';
import { judge, type Figure, type Row } from '../../bench/row.js';
import { median, percentile, slope, summarize } from '../../bench/stats.js';

const rows: Row[] = ['express', 'peers', 'jwt'].map((name, i) => ({
  id: String(i + 1),
  name,
  title: name,
  run: () => Promise.resolve([]),
}));

describe('bench arguments', () => {
  it('defaults to a full run of every row without check', () => {
    expect(parseBenchArgs([], 'out.md')).toEqual({
      quick: false,
      check: false,
      only: [],
      out: 'out.md',
    });
  });

  it('reads --quick, --check, --out and --only lists, repeated or comma-separated', () => {
    const options = parseBenchArgs(
      ['--quick', '--check', '--only', '1,jwt', '--only', ' 2 ', '--out', 'x.md'],
      'out.md',
    );
    expect(options).toEqual({ quick: true, check: true, only: ['1', 'jwt', '2'], out: 'x.md' });
  });

  it('refuses an unknown option, a stray argument and an empty --only, with the usage', () => {
    expect(() => parseBenchArgs(['--fast'], 'out.md')).toThrow(/--fast[\s\S]*usage: npm run bench/);
    expect(() => parseBenchArgs(['quick'], 'out.md')).toThrow(/usage: npm run bench/);
    expect(() => parseBenchArgs(['--only', ','], 'out.md')).toThrow(/--only needs a row/);
  });

  it('selects rows by number or name, in table order', () => {
    expect(selectRows(rows, ['jwt', '1']).map((row) => row.name)).toEqual(['express', 'jwt']);
    expect(selectRows(rows, [])).toHaveLength(3);
  });

  it('names a row that does not exist, and lists the rows there are', () => {
    expect(() => selectRows(rows, ['2', '9'])).toThrow(
      'no row 9; the rows are 1 (express), 2 (peers), 3 (jwt)',
    );
  });
});

describe('bench statistics', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('summarizes rounds as median, min, max and count', () => {
    expect(summarize([1.1, 0.9, 1.0, 1.3])).toEqual({ median: 1.05, min: 0.9, max: 1.3, n: 4 });
  });

  it('fits a least-squares slope', () => {
    expect(slope([0, 1, 2, 3], [10, 12, 14, 16])).toBeCloseTo(2);
    expect(slope([0, 1, 2, 3], [5, 6, 4, 5])).toBeCloseTo(-0.2);
    expect(() => slope([1, 1], [2, 3])).toThrow(/distinct/);
  });
});

describe('bench verdicts', () => {
  const ratio = (value: number, timing: boolean): Figure => ({
    label: 'a / b',
    value,
    unit: 'x',
    target: { atLeast: 1, timing },
  });
  const size = (value: number): Figure => ({
    label: 'bytes',
    value,
    unit: 'B',
    target: { atMost: 300, timing: false },
  });

  it('judges at-least and at-most targets, bounds included', () => {
    expect(judge(ratio(1, true), false)).toBe('pass');
    expect(judge(ratio(0.99, true), false)).toBe('MISS');
    expect(judge(size(300), false)).toBe('pass');
    expect(judge(size(301), false)).toBe('MISS');
    expect(judge({ label: 'info', value: 3, unit: 'ms' }, false)).toBe('');
  });

  it('does not enforce a missed timing target in a quick run, but does every other one', () => {
    expect(judge(ratio(0.5, true), true)).toBe('not enforced');
    expect(judge(ratio(0.5, false), true)).toBe('MISS');
    expect(judge(size(1000), true)).toBe('MISS');
  });

  it('fails a --check run on an enforced miss or a row that could not run, not otherwise', () => {
    const result = (figures: Figure[], error?: string): RowResult => ({
      row: rows[0]!,
      figures,
      seconds: 1,
      ...(error === undefined ? {} : { error }),
    });
    expect(failed([result([ratio(1.2, true), size(200)])], false)).toBe(false);
    expect(failed([result([ratio(0.8, true)])], true)).toBe(false);
    expect(failed([result([ratio(0.8, true)])], false)).toBe(true);
    expect(failed([result([size(400)])], true)).toBe(true);
    expect(failed([result([], 'Redis is not reachable')], true)).toBe(true);
  });

  it('names the rows that could not run, which fail a run with or without --check', () => {
    const ran: RowResult = { row: rows[0]!, figures: [ratio(0.5, false)], seconds: 1 };
    const broken: RowResult = { row: rows[2]!, figures: [], error: 'wrk exited', seconds: 1 };
    expect(rowsThatCouldNotRun([ran])).toEqual([]);
    expect(rowsThatCouldNotRun([ran, broken]).map((row) => row.name)).toEqual(['jwt']);
  });
});

describe('the README results block', () => {
  const start = '<!-- bench:results: written by a full `npm run bench`; do not edit -->';
  const end = '<!-- /bench:results -->';
  const results: RowResult[] = [
    {
      row: rows[0]!,
      figures: [{ label: 'a / b', value: 1.234, unit: 'x', target: { atLeast: 1, timing: true } }],
      seconds: 3,
    },
  ];

  it("replaces only what is between the markers with the run's facts and table", () => {
    const readme = `# Title\n\n## Performance\n\n${start}\nold figures\n${end}\n\nmore text\n`;
    const updated = withReadmeResults(readme, results, runInfo(false, []));
    expect(updated).not.toContain('old figures');
    expect(updated.startsWith(`# Title\n\n## Performance\n\n${start}\n`)).toBe(true);
    expect(updated.endsWith(`${end}\n\nmore text\n`)).toBe(true);
    expect(updated).toContain(`- Node ${process.version}`);
    expect(updated).toContain('| 1 | express | a / b | 1.234x |  | >= 1 | pass |');
  });

  it('refuses a README without the block', () => {
    expect(() => withReadmeResults('# Title\n', results, runInfo(false, []))).toThrow(
      'README.md has no bench:results block',
    );
  });
});

// The command line of `npm run bench`.
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** The short run CI executes: fewer rounds, a smaller scale; timing targets not enforced. */
  quick: boolean;
  /** Exit non-zero when an enforced target is missed (a row that cannot run always does). */
  check: boolean;
  /** Row numbers or names to run; empty for every row. */
  only: string[];
  /** Where the results table is written. */
  out: string;
}

export const USAGE = `usage: npm run bench -- [--quick] [--check] [--only <row>[,<row>...]] [--out <file>]
  --quick   a short run (what CI runs): fewer rounds, a smaller scale; timing targets are
            reported but not enforced
  --check   exit 1 when an enforced target is missed (a row that cannot run always does)
  --only    rows by number or name, e.g. --only 1,jwt (may be repeated)
  --out     where to write the results table (default bench/RESULTS.md)`;

/** Reads the arguments after `npm run bench --`; throws a readable error on a bad one. */
export function parseBenchArgs(args: readonly string[], defaultOut: string): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        quick: { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true, default: [] },
        out: { type: 'string', default: defaultOut },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
  const only = values.only
    .flatMap((list) => list.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (values.only.length > 0 && only.length === 0) {
    throw new Error(`--only needs a row number or name\n${USAGE}`);
  }
  return { quick: values.quick, check: values.check, only, out: values.out };
}

/** The rows `--only` names, in table order; throws naming any that does not exist. */
export function selectRows<T extends { id: string; name: string }>(
  rows: readonly T[],
  only: readonly string[],
): T[] {
  if (only.length === 0) return [...rows];
  const unknown = only.filter((name) => !rows.some((row) => row.id === name || row.name === name));
  if (unknown.length > 0) {
    const known = rows.map((row) => `${row.id} (${row.name})`).join(', ');
    throw new Error(`no row ${unknown.join(', ')}; the rows are ${known}`);
  }
  return rows.filter((row) => only.includes(row.id) || only.includes(row.name));
}

// Setting up a connection, retried while another process sets up the same file: switching a new
// file to WAL can fail at once with SQLITE_BUSY, without waiting out the busy timeout, when
// another connection opens it at that moment. Every step of the setup is safe to run again.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Driver } from './driver.js';
import { Queries } from './queries.js';
import { BUSY_TIMEOUT } from './sql.js';

const FIRST_WAIT_MS = 5;
const LONGEST_WAIT_MS = 100;

/** Prepares the schema and statements on `driver`, retrying for up to the busy timeout. */
export async function setUp(driver: Driver, prefix: string): Promise<Queries> {
  const deadline = Date.now() + BUSY_TIMEOUT;
  for (let wait = FIRST_WAIT_MS; ; wait = Math.min(wait * 2, LONGEST_WAIT_MS)) {
    try {
      return new Queries(driver, prefix);
    } catch (error) {
      if (!isBusy(error) || Date.now() + wait > deadline) throw error;
    }
    await sleep(wait);
  }
}

/**
 * SQLITE_BUSY (5) or one of its extended codes, as each library reports it: better-sqlite3 and
 * bun:sqlite by `code` ('SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', ...), node:sqlite by `errcode`.
 */
export function isBusy(error: unknown): boolean {
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true;
  return typeof errcode === 'number' && (errcode & 0xff) === 5;
}

import type { DeviceInfo } from '../../device.js';
import {
  type JsonValue,
  type SessionEnd,
  type SessionInfo,
  type SessionRecord,
  type TombstoneRecord,
  noticeWithoutData,
} from '../../session.js';
import type { FoundRecord, UserChange, UserSnapshot } from '../../store.js';
import type { Driver, SqlValue } from './driver.js';
import { BUSY_TIMEOUT, PRAGMAS, SCHEMA_VERSION, statements } from './sql.js';

/** How long ended-session notices stay in the push log (wall clock). */
export const LOG_RETENTION = 60_000;
/** The most notices one poll reads. */
export const POLL_BATCH = 500;

interface SessionRow {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  last_seen_at: number;
  idle_timeout: number | null;
  absolute_expires_at: number | null;
  expires_at: number | null;
  generation: number;
  device: string;
  data: string | null;
}

interface TombstoneRow {
  id: string;
  user_id: string;
  token_hash: string;
  reason: string;
  at: number;
  by_session: string | null;
  keep_until: number;
}

/** `loadUser`'s one-statement read: the user's version on every row, no session columns if none. */
type UserRow = { version: number } & (SessionRow | { id: null });
/** `find`'s one-statement read: 0 for a session, 1 for a tombstone. */
type FoundRow = (SessionRow & { kind: 0 }) | (TombstoneRow & { kind: 1 });

/**
 * The synchronous half of the store: pragmas, schema and every prepared statement, made once per
 * connection. Each method runs in one statement or one transaction, so it is atomic.
 */
export class Queries {
  readonly #driver: Driver;
  readonly #user;
  readonly #version;
  readonly #nextVersion;
  readonly #setVersion;
  readonly #put;
  readonly #delete;
  readonly #bury;
  readonly #log;
  readonly #find;
  readonly #touch;
  readonly #lapsed;
  readonly #pruneTombstones;
  readonly #pruneUsers;
  readonly #pruneLog;
  readonly #lastSeq;
  readonly #poll;

  constructor(driver: Driver, prefix: string) {
    this.#driver = driver;
    const sql = statements(prefix);
    // Raise, never lower, a timeout the app chose; then WAL so readers never wait for writers.
    const busy = driver.prepare<{ timeout: number }>(PRAGMAS.busyTimeout).get();
    if ((busy?.timeout ?? 0) < BUSY_TIMEOUT) {
      driver.exec(PRAGMAS.raiseBusyTimeout);
    }
    driver.exec(PRAGMAS.wal);
    driver.transaction(() => driver.exec(sql.schema));

    const schemaVersion = driver.prepare<{ value: number }>(sql.schemaVersion).get()?.value;
    if (schemaVersion !== SCHEMA_VERSION) {
      throw new Error(
        `the tables ${prefix}* have schema version ${String(schemaVersion)}; this version of session-limiter reads ${SCHEMA_VERSION}`,
      );
    }

    this.#user = driver.prepare<UserRow>(sql.user);
    this.#version = driver.prepare<{ version: number }>(sql.version);
    this.#nextVersion = driver.prepare<{ value: number }>(sql.nextVersion);
    this.#setVersion = driver.prepare(sql.setVersion);
    this.#put = driver.prepare(sql.put);
    this.#delete = driver.prepare<SessionRow>(sql.delete);
    this.#bury = driver.prepare(sql.bury);
    this.#log = driver.prepare(sql.log);
    this.#find = driver.prepare<FoundRow>(sql.find);
    this.#touch = driver.prepare(sql.touch);
    this.#lapsed = driver.prepare<SessionRow>(sql.lapsed);
    this.#pruneTombstones = driver.prepare(sql.pruneTombstones);
    this.#pruneUsers = driver.prepare(sql.pruneUsers);
    this.#pruneLog = driver.prepare(sql.pruneLog);
    this.#lastSeq = driver.prepare<{ seq: number }>(sql.lastSeq);
    this.#poll = driver.prepare<{ seq: number; notice: string }>(sql.poll);
  }

  loadUser(userId: string): UserSnapshot {
    const rows = this.#user.all(userId);
    const sessions: SessionRecord[] = [];
    for (const row of rows) if (row.id !== null) sessions.push(toRecord(row));
    return { version: rows[0]?.version ?? 0, sessions };
  }

  /** Compare-and-set under the write lock (BEGIN IMMEDIATE), so it is atomic across processes. */
  commitUser(userId: string, version: number, change: UserChange): boolean {
    return this.#driver.transaction(() => {
      if ((this.#version.get(userId)?.version ?? 0) !== version) return false;
      this.#bump(userId);
      for (const end of change.end) this.#end(end);
      for (const record of change.put) this.#put.run(...sessionParams(record));
      return true;
    });
  }

  endSession(end: SessionEnd): SessionRecord | null {
    return this.#driver.transaction(() => {
      const row = this.#end(end);
      if (!row) return null;
      this.#bump(end.session.userId);
      return toRecord(row);
    });
  }

  find(id: string): FoundRecord | null {
    const row = this.#find.get(id, id);
    if (!row) return null;
    return row.kind === 0
      ? { kind: 'session', record: toRecord(row) }
      : { kind: 'tombstone', record: toTombstone(row) };
  }

  touch(id: string, lastSeenAt: number, expiresAt: number | null): void {
    this.#touch.run(lastSeenAt, expiresAt, id);
  }

  lapsed(now: number, limit: number): SessionRecord[] {
    return this.#lapsed.all(now, limit).map(toRecord);
  }

  prune(now: number): number {
    return this.#driver.transaction(
      () =>
        this.#pruneTombstones.run(now).changes +
        this.#pruneUsers.run().changes +
        this.#pruneLog.run(Date.now() - LOG_RETENTION).changes,
    );
  }

  /** The newest notice in the push log; a subscriber starts after it. */
  lastSeq(): number {
    return this.#lastSeq.get()?.seq ?? 0;
  }

  /** Notices after `seq`, oldest first. */
  notices(seq: number): { seq: number; notice: string }[] {
    return this.#poll.all(seq, POLL_BATCH);
  }

  /** Deletes the session, keeps a tombstone and logs the notice; the row, or undefined. */
  #end(end: SessionEnd): SessionRow | undefined {
    const row = this.#delete.get(end.session.id, end.session.userId);
    if (!row) return undefined;
    this.#bury.run(
      row.id,
      row.user_id,
      row.token_hash,
      end.reason,
      end.at,
      end.by ? JSON.stringify(end.by) : null,
      end.keepUntil,
    );
    const now = Date.now();
    this.#log.run(now, JSON.stringify(noticeWithoutData(end)));
    // Trimmed here too (an index seek), so the log stays a minute long even with no sweep.
    this.#pruneLog.run(now - LOG_RETENTION);
    return row;
  }

  #bump(userId: string): void {
    const version = this.#nextVersion.get()?.value;
    if (version === undefined) throw new Error('the version counter row is missing');
    this.#setVersion.run(userId, version);
  }
}

/** A record as `put`'s parameters, in the order of its columns. */
function sessionParams(record: SessionRecord): SqlValue[] {
  return [
    record.id,
    record.userId,
    record.tokenHash,
    record.createdAt,
    record.lastSeenAt,
    record.idleTimeout,
    record.absoluteExpiresAt,
    record.expiresAt,
    record.generation,
    JSON.stringify(record.device),
    // SQL NULL for "no data"; JSON null stays the text 'null'.
    record.data === undefined ? null : JSON.stringify(record.data),
  ];
}

function toRecord(row: SessionRow): SessionRecord {
  const record: SessionRecord = {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleTimeout: row.idle_timeout,
    absoluteExpiresAt: row.absolute_expires_at,
    expiresAt: row.expires_at,
    generation: row.generation,
    device: JSON.parse(row.device) as DeviceInfo,
  };
  if (row.data !== null) record.data = JSON.parse(row.data) as JsonValue;
  return record;
}

function toTombstone(row: TombstoneRow): TombstoneRecord {
  const tombstone: TombstoneRecord = {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    reason: row.reason,
    at: row.at,
    keepUntil: row.keep_until,
  };
  if (row.by_session !== null) tombstone.by = JSON.parse(row.by_session) as SessionInfo;
  return tombstone;
}

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { DemoUser } from './users.js';

const derive = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

const PARAMS = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

/** A salted scrypt hash: the salt (random per password) and the derived key. */
interface PasswordHash {
  salt: Buffer;
  key: Buffer;
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { salt, key: await derive(password, salt, KEY_LENGTH, PARAMS) };
}

export async function verifyPassword(password: string, hash: PasswordHash): Promise<boolean> {
  const key = await derive(password, hash.salt, KEY_LENGTH, PARAMS);
  return timingSafeEqual(key, hash.key);
}

/** Checks usernames and passwords. The hashes stay in here: users handed out never carry one. */
export interface Accounts {
  /** The user for these credentials, or null: the same answer, in the same time, whether the
   * username is unknown or the password wrong. */
  authenticate(username: string, password: string): Promise<DemoUser | null>;
  /** The user with this id, for a live session. */
  find(id: string): DemoUser | undefined;
}

/** Seeds the accounts with `password = username`, each hashed with its own salt. */
export async function createAccounts(users: readonly DemoUser[]): Promise<Accounts> {
  const entries = await Promise.all(
    users.map(async (user) => [user.id, { user, hash: await hashPassword(user.id) }] as const),
  );
  const byId = new Map(entries);
  // Unknown usernames are checked against this, so they cost as much as a wrong password.
  const dummy = await hashPassword(randomBytes(16).toString('hex'));
  return {
    async authenticate(username, password) {
      const entry = byId.get(username.toLowerCase());
      const matches = await verifyPassword(password, entry?.hash ?? dummy);
      return matches && entry ? entry.user : null;
    },
    find: (id) => byId.get(id)?.user,
  };
}

// The Redis store's earlier key layout, frozen: the scripts that wrote a session (five hash fields
// per session, one entry per session in the global expiry index), copied verbatim from the store
// as it was, and a writer that calls them as the store did. The upgrade tests write sessions with
// it and use them through today's store.
import type { Redis } from 'ioredis';
import { randomInt } from 'node:crypto';
import type { SessionRecord } from '../../src/session.js';
import { userTag } from '../../src/token.js';

interface Script {
  readonly name: string;
  readonly source: string;
}

function script(name: string, source: string): Script {
  return { name, source };
}

const KEEP = `
local function keep(key, ttl, before)
  if ttl == '' then
    redis.call('PERSIST', key)
  elseif tonumber(ttl) > 0 and (before == -2 or (before >= 0 and before < tonumber(ttl))) then
    redis.call('PEXPIRE', key, ttl)
  end
end
`;

const FINISH = `
local function finish(sessions, tombstone, userId, id, json, keepUntil, ttl, channel, notice)
  local s = redis.call('HMGET', sessions, 'u:' .. id, 'h:' .. id)
  if s[1] ~= userId then return false end
  redis.call('HDEL', sessions, 'r:' .. id, 'h:' .. id, 'u:' .. id, 'l:' .. id, 'e:' .. id)
  redis.call('HINCRBY', sessions, 'n:' .. userId, -1)
  redis.call('HSET', tombstone, 'n', json, 'h', s[2], 'k', keepUntil)
  redis.call('PEXPIRE', tombstone, ttl)
  redis.call('PUBLISH', channel, notice)
  return true
end
`;

const BUMP = `
local function bump(sessions, userId, initial)
  local version, count = 'v:' .. userId, 'n:' .. userId
  if tonumber(redis.call('HGET', sessions, count) or '0') <= 0 then
    redis.call('HDEL', sessions, version, count)
  elseif redis.call('HEXISTS', sessions, version) == 1 then
    redis.call('HINCRBY', sessions, version, 1)
  else
    redis.call('HSET', sessions, version, initial)
  end
end
`;

export const COMMIT = script(
  'commit',
  KEEP +
    FINISH +
    BUMP +
    `
local sessions, userId, channel = KEYS[1], ARGV[3], ARGV[4]
if (redis.call('HGET', sessions, 'v:' .. userId) or '0') ~= ARGV[1] then return 0 end
local k, a = 2, 7
for _ = 1, tonumber(ARGV[5]) do
  finish(sessions, KEYS[k], userId, ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], channel,
    ARGV[a + 4])
  k, a = k + 1, a + 5
end
-- Taken after the ends: a hash they emptied is gone, and one the puts create needs a TTL.
local before = redis.call('PTTL', sessions)
local longest = nil
for _ = 1, tonumber(ARGV[6]) do
  local id, ttl = ARGV[a], ARGV[a + 5]
  if redis.call('HSETNX', sessions, 'u:' .. id, userId) == 1 then
    redis.call('HINCRBY', sessions, 'n:' .. userId, 1)
  end
  redis.call('HSET', sessions, 'r:' .. id, ARGV[a + 1], 'h:' .. id, ARGV[a + 2],
    'l:' .. id, ARGV[a + 3], 'e:' .. id, ARGV[a + 4])
  if ttl == '' or longest == '' then
    longest = ''
  elseif longest == nil or tonumber(ttl) > tonumber(longest) then
    longest = ttl
  end
  a = a + 6
end
bump(sessions, userId, ARGV[2])
if longest ~= nil then keep(sessions, longest, before) end
return 1
`,
);

export const INDEX = script(
  'index',
  KEEP +
    `
local before = redis.call('PTTL', KEYS[1])
if ARGV[1] ~= '' then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1]) end
local last = 3 + tonumber(ARGV[3]) * 2
for i = 4, last, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
for i = last + 1, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
if redis.call('EXISTS', KEYS[1]) == 1 then keep(KEYS[1], ARGV[2], before) end
return 1
`,
);

/**
 * Stores `records` (all of `userId`, a user with no session yet) as the earlier store's
 * commitUser did: one COMMIT, then the expiry index entry of each session that expires.
 */
export async function writeEarlierLayout(
  redis: Redis,
  prefix: string,
  userId: string,
  records: SessionRecord[],
  lapsedTtl: number,
): Promise<void> {
  const sessions = `${prefix}{${userTag(userId)}}:s`;
  const args = ['0', String(randomInt(1, 2 ** 48)), userId, `${prefix}ended`, '0'];
  args.push(String(records.length));
  for (const r of records) {
    const ttl = r.expiresAt === null ? '' : String(r.expiresAt - r.lastSeenAt + lapsedTtl);
    args.push(r.id, JSON.stringify(r), r.tokenHash, String(r.lastSeenAt));
    args.push(r.expiresAt === null ? '' : String(r.expiresAt), ttl);
  }
  if (Number(await redis.eval(COMMIT.source, 1, sessions, ...args)) !== 1) {
    throw new Error(`could not write ${userId}'s sessions in the earlier layout`);
  }
  const expiring = records.filter((r) => r.expiresAt !== null);
  const index = ['', String(7 * 86_400_000), String(expiring.length)];
  for (const r of expiring) index.push(String(r.expiresAt), r.id);
  await redis.eval(INDEX.source, 1, `${prefix}expiry`, ...index);
}

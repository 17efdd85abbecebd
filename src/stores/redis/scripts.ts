import { createHash } from 'node:crypto';

/**
 * The Lua scripts of the Redis store, written once and run by either driver. Each one is a single
 * atomic step on keys of one hash slot (a user's keys carry the user's `{tag}`, and every session
 * id starts with that tag), so every operation on one user is atomic on a single server and on a
 * Cluster, and each is one round trip.
 *
 * Key layout (P is the store's prefix, T a user tag):
 * - `P{T}:s` hash: the sessions of the users whose tag is T (almost always one user). Per user
 *   `v:<userId>` the version and `n:<userId>` the session count; per session `r:<id>` the record's
 *   JSON as put, `h:<id>` token hash, `u:<id>` user id, `l:<id>` lastSeenAt and `e:<id>` expiresAt
 *   ('' for none), which override the JSON after a touch.
 * - `P{T}:t:<id>` hash: a tombstone. `n` its JSON without the token hash, `h` the token hash,
 *   `k` keepUntil.
 * - `Pexpiry`, `Ptombstones` sorted sets: session ids by expiresAt, tombstone ids by keepUntil.
 *
 * TTLs arrive in milliseconds as strings, '' meaning "none" (a session that never expires).
 * Scripts return arrays, strings or integers, never booleans or nil (RESP2 and RESP3 differ there).
 */
export interface Script {
  readonly name: string;
  readonly source: string;
  /** SHA-1 of the source: what EVALSHA takes. */
  readonly sha: string;
}

function script(name: string, source: string): Script {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Gives `key` a TTL of at least `ttl` ms ('' for none; '0' leaves it as it is) and never shortens
 * one. `before` is its PTTL before this script wrote to it: -2 for a key it created.
 */
const KEEP = `
local function keep(key, ttl, before)
  if ttl == '' then
    redis.call('PERSIST', key)
  elseif tonumber(ttl) > 0 and (before == -2 or (before >= 0 and before < tonumber(ttl))) then
    redis.call('PEXPIRE', key, ttl)
  end
end
`;

/**
 * Ends session `id` of `userId`: its fields leave the tag's hash, its token hash moves to a
 * tombstone, and the notice is published, in the caller's atomic step. False if it is not that
 * user's session.
 */
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

/**
 * Moves a user's version on after a change. A user left with no session loses its version: a
 * later login starts from a fresh random one, which no snapshot taken before can match.
 */
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

/**
 * KEYS: the user's tag's sessions. ARGV: user id. One read of the user's version and sessions:
 * {version, r, l, e, r, l, e, ...}.
 */
export const LOAD_USER = script(
  'loadUser',
  `
local fields = redis.call('HGETALL', KEYS[1])
local values = {}
for i = 1, #fields, 2 do values[fields[i]] = fields[i + 1] end
local out = {values['v:' .. ARGV[1]] or '0'}
for field, value in pairs(values) do
  if value == ARGV[1] and string.sub(field, 1, 2) == 'u:' then
    local id = string.sub(field, 3)
    if values['r:' .. id] then
      out[#out + 1] = values['r:' .. id]
      out[#out + 1] = values['l:' .. id]
      out[#out + 1] = values['e:' .. id]
    end
  end
end
return out
`,
);

/**
 * Compare-and-set on the user's version. KEYS: the user's tag's sessions, then the tombstone of
 * each end. ARGV: expected version, initial version (for a user with no session yet), user id,
 * channel, end count, put count; per end: id, tombstone JSON, keepUntil, tombstone TTL, notice
 * JSON; per put: id, record JSON, token hash, lastSeenAt, expiresAt, TTL.
 * Returns 1, or 0 on a version mismatch.
 */
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

/**
 * Ends one session if it belongs to the user. KEYS: the user's tag's sessions, the tombstone.
 * ARGV: user id, session id, tombstone JSON, keepUntil, tombstone TTL, notice JSON, channel,
 * initial version. Returns {r, l, e} of the removed session, or {}.
 */
export const END = script(
  'end',
  FINISH +
    BUMP +
    `
local id = ARGV[2]
local s = redis.call('HMGET', KEYS[1], 'r:' .. id, 'l:' .. id, 'e:' .. id)
if not s[1] then return {} end
if not finish(KEYS[1], KEYS[2], ARGV[1], id, ARGV[3], ARGV[4], ARGV[5], ARGV[7], ARGV[6]) then
  return {}
end
bump(KEYS[1], ARGV[1], ARGV[8])
return s
`,
);

/**
 * KEYS: the session's tag's sessions, its tombstone. ARGV: session id.
 * Returns {'s', r, l, e}, {'t', n, h}, or {}.
 */
export const FIND = script(
  'find',
  `
local id = ARGV[1]
local s = redis.call('HMGET', KEYS[1], 'r:' .. id, 'l:' .. id, 'e:' .. id)
if s[1] then return {'s', s[1], s[2], s[3]} end
local t = redis.call('HMGET', KEYS[2], 'n', 'h')
if t[1] then return {'t', t[1], t[2]} end
return {}
`,
);

/**
 * Records activity on a live session, never re-creating an ended one, without moving the user's
 * version; the hash is kept at least as long as the session. KEYS: the session's tag's sessions.
 * ARGV: session id, lastSeenAt, expiresAt, TTL. Returns 1, or 0 when there is no such session.
 */
export const TOUCH = script(
  'touch',
  KEEP +
    `
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[1], 'r:' .. id) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'l:' .. id, ARGV[2], 'e:' .. id, ARGV[3])
keep(KEYS[1], ARGV[4], redis.call('PTTL', KEYS[1]))
return 1
`,
);

/**
 * Updates an index. KEYS: the sorted set. ARGV: floor (entries scored below it are dropped; ''
 * for none), TTL the set keeps at least, number of additions, then score/member pairs, then
 * members to remove. The floor bounds the set even if nobody prunes: it drops entries whose keys
 * Redis has already expired.
 */
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

/** KEYS: an index. ARGV: max score, offset, count. Members scored at or below max, lowest first. */
export const RANGE = script(
  'range',
  `return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', ARGV[2], ARGV[3])`,
);

/**
 * KEYS: tombstone. ARGV: now. Deletes the tombstone if its keepUntil has come: 'forgotten';
 * 'gone' if there is none; else its keepUntil.
 */
export const FORGET = script(
  'forget',
  `
local keepUntil = redis.call('HGET', KEYS[1], 'k')
if not keepUntil then return 'gone' end
if tonumber(keepUntil) > tonumber(ARGV[1]) then return keepUntil end
redis.call('DEL', KEYS[1])
return 'forgotten'
`,
);

import { createHash } from 'node:crypto';

/**
 * The Lua scripts of the Redis store, written once and run by either driver. Each one is a single
 * atomic step on keys of one hash slot (a user's keys and their sessions' keys share the user's
 * `{tag}`), so every operation on one user is atomic on a single server and on a Cluster.
 *
 * Key layout (P is the store's prefix, T the user tag every session id starts with):
 * - `P{T}:u:<userId>` hash: `v` the user's version, and one field per session id.
 * - `P{T}:s:<id>` hash: `r` the record's JSON as put, `h` token hash, `u` user id, `l` lastSeenAt,
 *   `e` expiresAt ('' for none). `l` and `e` override the JSON after a touch.
 * - `P{T}:t:<id>` hash: `n` the tombstone's JSON without its token hash, `h` token hash, `k` keepUntil.
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
 * Ends one session of a user: its token hash moves to a tombstone, its id leaves the user's hash,
 * and the notice is published, all in the caller's atomic step. False if it is not that user's.
 */
const FINISH = `
local function finish(user, session, tombstone, userId, id, json, keepUntil, ttl, channel, notice)
  local s = redis.call('HMGET', session, 'u', 'h')
  if s[1] ~= userId then return false end
  redis.call('DEL', session)
  redis.call('HDEL', user, id)
  redis.call('HSET', tombstone, 'n', json, 'h', s[2], 'k', keepUntil)
  redis.call('PEXPIRE', tombstone, ttl)
  redis.call('PUBLISH', channel, notice)
  return true
end
`;

/**
 * Moves a user's version on after a change. A user left with no session is deleted: a later
 * login starts from a fresh random version, which no snapshot taken before can match.
 */
const BUMP = `
local function bump(user, initial)
  local versioned = redis.call('HEXISTS', user, 'v') == 1
  local sessions = redis.call('HLEN', user) - (versioned and 1 or 0)
  if sessions == 0 then
    redis.call('DEL', user)
  elseif versioned then
    redis.call('HINCRBY', user, 'v', 1)
  else
    redis.call('HSET', user, 'v', initial)
  end
end
`;

/**
 * Reads a user's version and sessions in one atomic step, given the session ids the caller
 * expects (its keys must be declared, so the caller names them). KEYS: user, then the session of
 * each expected id. ARGV: the expected ids. Returns {'ok', version, r, l, e, r, l, e, ...} when
 * the user has exactly those sessions, else {'ids', id, id, ...} to try again with. An id whose
 * session Redis already expired is dropped from the user's hash.
 */
export const LOAD_USER = script(
  'loadUser',
  `
local fields = redis.call('HGETALL', KEYS[1])
local version, ids = '0', {'ids'}
for i = 1, #fields, 2 do
  if fields[i] == 'v' then version = fields[i + 1] else ids[#ids + 1] = fields[i] end
end
local expected = #ids - 1 == #ARGV
for i = 1, #ARGV do
  if not expected then break end
  expected = redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1
end
if not expected then return ids end
local out = {'ok', version}
for i = 2, #KEYS do
  local s = redis.call('HMGET', KEYS[i], 'r', 'l', 'e')
  if s[1] then
    out[#out + 1] = s[1]
    out[#out + 1] = s[2]
    out[#out + 1] = s[3]
  else
    redis.call('HDEL', KEYS[1], ARGV[i - 1])
  end
end
return out
`,
);

/**
 * Compare-and-set on the user's version. KEYS: user, then per end: session, tombstone; then per
 * put: session. ARGV: expected version, initial version (for a new user), user id, channel, end
 * count, put count; per end: id, tombstone JSON, keepUntil, tombstone TTL, notice JSON; per put:
 * id, record JSON, token hash, lastSeenAt, expiresAt, TTL. Returns 1, or 0 on a version mismatch.
 */
export const COMMIT = script(
  'commit',
  KEEP +
    FINISH +
    BUMP +
    `
local user = KEYS[1]
if (redis.call('HGET', user, 'v') or '0') ~= ARGV[1] then return 0 end
local before = redis.call('PTTL', user)
local userId, channel = ARGV[3], ARGV[4]
local k, a = 2, 7
for _ = 1, tonumber(ARGV[5]) do
  finish(user, KEYS[k], KEYS[k + 1], userId, ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3],
    channel, ARGV[a + 4])
  k, a = k + 2, a + 5
end
local longest = nil
for _ = 1, tonumber(ARGV[6]) do
  local session, ttl = KEYS[k], ARGV[a + 5]
  redis.call('DEL', session)
  redis.call('HSET', session, 'r', ARGV[a + 1], 'h', ARGV[a + 2], 'u', userId, 'l', ARGV[a + 3],
    'e', ARGV[a + 4])
  if ttl ~= '' then redis.call('PEXPIRE', session, ttl) end
  redis.call('HSET', user, ARGV[a], '1')
  if ttl == '' or longest == '' then
    longest = ''
  elseif longest == nil or tonumber(ttl) > tonumber(longest) then
    longest = ttl
  end
  k, a = k + 1, a + 6
end
bump(user, ARGV[2])
if longest ~= nil and redis.call('EXISTS', user) == 1 then keep(user, longest, before) end
return 1
`,
);

/**
 * Ends one session if it belongs to the user. KEYS: user, session, tombstone. ARGV: user id,
 * session id, tombstone JSON, keepUntil, tombstone TTL, notice JSON, channel, initial version.
 * Returns {r, l, e} of the removed session, or {}.
 */
export const END = script(
  'end',
  FINISH +
    BUMP +
    `
local s = redis.call('HMGET', KEYS[2], 'r', 'l', 'e')
if not s[1] then return {} end
if not finish(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[7],
  ARGV[6]) then
  return {}
end
bump(KEYS[1], ARGV[8])
return s
`,
);

/** KEYS: session, tombstone. Returns {'s', r, l, e}, {'t', n, h}, or {}. */
export const FIND = script(
  'find',
  `
local s = redis.call('HMGET', KEYS[1], 'r', 'l', 'e')
if s[1] then return {'s', s[1], s[2], s[3]} end
local t = redis.call('HMGET', KEYS[2], 'n', 'h')
if t[1] then return {'t', t[1], t[2]} end
return {}
`,
);

/** KEYS: session. The id of the user it belongs to, or '' when there is no such session. */
export const OWNER = script('owner', `return redis.call('HGET', KEYS[1], 'u') or ''`);

/**
 * Records activity on a live session, never re-creating an ended one, without moving the user's
 * version; the user's hash is kept at least as long as the session. KEYS: session, user.
 * ARGV: user id, lastSeenAt, expiresAt, TTL. Returns 1, or 0 when there is no such session.
 */
export const TOUCH = script(
  'touch',
  KEEP +
    `
if redis.call('HGET', KEYS[1], 'u') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'l', ARGV[2], 'e', ARGV[3])
if ARGV[4] == '' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
local before = redis.call('PTTL', KEYS[2])
if before ~= -2 then keep(KEYS[2], ARGV[4], before) end
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

import { createHash } from 'node:crypto';

/**
 * The Lua scripts of the Redis store, written once and run by either driver. Each one is a single
 * atomic step on keys of one hash slot (a user's keys carry the user's `{tag}`, and every session
 * id starts with that tag), so every operation on one user is atomic on a single server and on a
 * Cluster, and each is one round trip.
 *
 * Key layout (P is the store's prefix, T a user tag, the first 6 characters of a session id):
 * - `P{T}:s` hash: the sessions of the users whose tag is T (almost always one user). Per session
 *   one field, its id without the tag, holding one packed string (see packing.ts):
 *   `E,L,H,U,tail`, expiresAt and lastSeenAt in base 36 (E empty for none), the token hash, the
 *   user id (empty for the hash's owner), then the fields no script reads. Per user `v:<userId>`
 *   the version and `n:<userId>` the session count; `o:` names the owner, the user whose
 *   sessions leave U empty (the first to put a session in the hash while it had no owner).
 * - `P{T}:t:<id>` hash: a tombstone. `n` its JSON without the token hash, `h` the token hash,
 *   `k` keepUntil.
 * - `Pexpiry` sorted set: user tags, each scored no later than the earliest expiry among the
 *   tag's sessions. A put lowers the score (ZADD LT); a touch moves an expiry later, so it leaves
 *   the score alone (the rare one that moves it earlier lowers it); an end leaves it too. The
 *   sweep visits the tags whose score has come, hands out their lapsed sessions and moves each
 *   tag to its next expiry, or a moment past the sweep's time when it handed some out (so one
 *   the caller failed to end comes back), or drops it when nothing in it expires. Tags scored
 *   over `lapsedTtl` before a put's time are trimmed (which bounds the set if nobody sweeps) and
 *   put back if their hash still holds sessions: due at the put's time if some lapsed before
 *   that floor, else at their earliest expiry after it.
 * - `Ptombstones` sorted set: tombstone ids by keepUntil. Ids trimmed below a floor whose
 *   tombstone Redis still holds (the app's clock ran ahead of Redis's) are put back, so prune
 *   still forgets them.
 *
 * Upgrade: the earlier layout kept five fields per session (`r:<id>` the record's JSON, `h:<id>`,
 * `u:<id>`, `l:<id>`, `e:<id>`). A script that looks a session up and finds only those converts
 * it to the packed field (its tail the old JSON, which the leading fields override); scripts
 * that read a whole hash convert every such session in it first. That layout's `Pexpiry` held
 * one session id per session: the sweep turns each into its tag's entry when its time comes.
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
 * Reading packed sessions (layout above). `parts` gives E, L, H and U as stored; `time` a stored
 * time as a number (nil for none); `userOf` the
 * user a session's U names; `slot` the U a new session of `userId` gets, making it the owner if
 * the hash has none. `load` finds session `id`, converting it first if it is in the earlier
 * layout; `upgraded` converts every such session of a hash and returns the hash's fields.
 */
const PACKED = `
local function escape(s)
  return (string.gsub(s, '[%%,]', function(c) return string.format('%%%02X', string.byte(c)) end))
end
local function unescape(s)
  return (string.gsub(s, '%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end))
end
local function parts(v) return string.match(v, '^([^,]*),([^,]*),([^,]*),([^,]*),') end
local function time(s)
  if s == '' then return nil end
  if string.sub(s, 1, 1) == '~' then return tonumber(string.sub(s, 2)) end
  return tonumber(s, 36)
end
local function userOf(sessions, u, owner)
  if u ~= '' then return unescape(u) end
  return owner or redis.call('HGET', sessions, 'o:')
end
local function slot(sessions, userId)
  local owner = redis.call('HGET', sessions, 'o:')
  if owner == userId then return '' end
  if not owner then
    redis.call('HSET', sessions, 'o:', userId)
    return ''
  end
  return escape(userId)
end
local function load(sessions, id)
  local field = string.sub(id, 7)
  local v = redis.call('HGET', sessions, field)
  if v or redis.call('HEXISTS', sessions, 'r:' .. id) == 0 then return v, field end
  local names = {'r:' .. id, 'h:' .. id, 'u:' .. id, 'l:' .. id, 'e:' .. id}
  local old = redis.call('HMGET', sessions, unpack(names))
  local e = old[5] or ''
  if e ~= '' then e = '~' .. e end
  v = e .. ',~' .. (old[4] or '0') .. ',' .. escape(old[2] or '') .. ',' ..
    slot(sessions, old[3] or '') .. ',' .. old[1]
  redis.call('HDEL', sessions, unpack(names))
  redis.call('HSET', sessions, field, v)
  return v, field
end
local function upgraded(sessions)
  local fields = redis.call('HGETALL', sessions)
  local old = false
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 2) == 'r:' then
      load(sessions, string.sub(fields[i], 3))
      old = true
    end
  end
  if old then fields = redis.call('HGETALL', sessions) end
  return fields
end
`;

/**
 * Ends session `id` of `userId`: its field leaves the tag's hash, its token hash moves to a
 * tombstone, and the notice is published, in the caller's atomic step. Returns the session's
 * packed value, or false if it is not that user's session.
 */
const FINISH = `
local function finish(sessions, tombstone, userId, id, json, keepUntil, ttl, channel, notice)
  local v, field = load(sessions, id)
  if not v then return false end
  local _, _, h, u = parts(v)
  if userOf(sessions, u) ~= userId then return false end
  redis.call('HDEL', sessions, field)
  redis.call('HINCRBY', sessions, 'n:' .. userId, -1)
  redis.call('HSET', tombstone, 'n', json, 'h', unescape(h), 'k', keepUntil)
  redis.call('PEXPIRE', tombstone, ttl)
  redis.call('PUBLISH', channel, notice)
  return v
end
`;

/**
 * Moves a user's version on after a change. A user left with no session loses its version (a
 * later login starts from a fresh random one, which no snapshot taken before can match) and, if
 * it owned the hash, the ownership.
 */
const BUMP = `
local function bump(sessions, userId, initial)
  local version, count = 'v:' .. userId, 'n:' .. userId
  if tonumber(redis.call('HGET', sessions, count) or '0') <= 0 then
    redis.call('HDEL', sessions, version, count)
    if redis.call('HGET', sessions, 'o:') == userId then redis.call('HDEL', sessions, 'o:') end
  elseif redis.call('HEXISTS', sessions, version) == 1 then
    redis.call('HINCRBY', sessions, version, 1)
  else
    redis.call('HSET', sessions, version, initial)
  end
end
`;

/**
 * KEYS: the user's tag's sessions. ARGV: user id. One read of the user's version and sessions:
 * {version, field, value, field, value, ...}.
 */
export const LOAD_USER = script(
  'loadUser',
  PACKED +
    `
local userId = ARGV[1]
local fields = upgraded(KEYS[1])
local values = {}
for i = 1, #fields, 2 do values[fields[i]] = fields[i + 1] end
-- A user's sessions name it, or leave U empty if it owns the hash (some may name it even then).
local named, owned = escape(userId), values['o:'] == userId
local out = {values['v:' .. userId] or '0'}
for i = 1, #fields, 2 do
  local field, value = fields[i], fields[i + 1]
  local u = string.sub(field, 2, 2) ~= ':' and select(4, parts(value))
  if u == named or (u == '' and owned) then
    out[#out + 1] = field
    out[#out + 1] = value
  end
end
return out
`,
);

/**
 * Compare-and-set on the user's version. KEYS: the user's tag's sessions, then the tombstone of
 * each end. ARGV: expected version, initial version (for a user with no session yet), user id,
 * channel, end count, put count; per end: id, tombstone JSON, keepUntil, tombstone TTL, notice
 * JSON; per put: id, packed head (E,L,H), packed tail, TTL.
 * Returns 1, or 0 on a version mismatch.
 */
export const COMMIT = script(
  'commit',
  KEEP +
    PACKED +
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
  local id, ttl = ARGV[a], ARGV[a + 3]
  local existing, field = load(sessions, id)
  if not existing then redis.call('HINCRBY', sessions, 'n:' .. userId, 1) end
  redis.call('HSET', sessions, field, ARGV[a + 1] .. ',' .. slot(sessions, userId) .. ',' .. ARGV[a + 2])
  if ttl == '' or longest == '' then
    longest = ''
  elseif longest == nil or tonumber(ttl) > tonumber(longest) then
    longest = ttl
  end
  a = a + 4
end
bump(sessions, userId, ARGV[2])
if longest ~= nil then keep(sessions, longest, before) end
return 1
`,
);

/**
 * Ends one session if it belongs to the user. KEYS: the user's tag's sessions, the tombstone.
 * ARGV: user id, session id, tombstone JSON, keepUntil, tombstone TTL, notice JSON, channel,
 * initial version. Returns {value} of the removed session, or {}.
 */
export const END = script(
  'end',
  PACKED +
    FINISH +
    BUMP +
    `
local v = finish(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[7], ARGV[6])
if not v then return {} end
bump(KEYS[1], ARGV[1], ARGV[8])
return {v}
`,
);

/**
 * KEYS: the session's tag's sessions, its tombstone. ARGV: session id.
 * Returns {'s', value, userId}, {'t', n, h}, or {}.
 */
export const FIND = script(
  'find',
  PACKED +
    `
local v = load(KEYS[1], ARGV[1])
if v then return {'s', v, userOf(KEYS[1], select(4, parts(v)))} end
local t = redis.call('HMGET', KEYS[2], 'n', 'h')
if t[1] then return {'t', t[1], t[2]} end
return {}
`,
);

/**
 * Records activity on a live session, never re-creating an ended one, without moving the user's
 * version; the hash is kept at least as long as the session. Rewrites E and L of the packed
 * value in place. KEYS: the session's tag's sessions. ARGV: session id, E, L (packed), TTL.
 * Returns 1; 2 when the session now expires earlier than before (the expiry index holds a bound
 * no later than the old expiry, so the caller lowers it); 0 when there is no such session.
 */
export const TOUCH = script(
  'touch',
  KEEP +
    PACKED +
    `
local v, field = load(KEYS[1], ARGV[1])
if not v then return 0 end
local e, rest = string.match(v, '^([^,]*),[^,]*(,.*)$')
redis.call('HSET', KEYS[1], field, ARGV[2] .. ',' .. ARGV[3] .. rest)
keep(KEYS[1], ARGV[4], redis.call('PTTL', KEYS[1]))
local before, after = time(e), time(ARGV[2])
if after and (not before or after < before) then return 2 end
return 1
`,
);

/** The fewest entries below the floor an index write drops (more when it adds more). */
const TRIM = 50;

/**
 * Updates an index. KEYS: the sorted set. ARGV: floor (up to TRIM entries scored below it are
 * dropped; '' for none), TTL the set keeps at least, 'LT' to only ever lower a score ('' to set
 * it), number of additions, then score/member pairs, then members to remove. Returns the members
 * dropped below the floor. The floor bounds the set even if nobody prunes (each call drops more
 * than it adds): it drops entries whose keys Redis has expired (the caller puts back any it still
 * holds), or, in the expiry index, tags whose earliest session lapsed that long ago, which the
 * caller puts back at their next expiry.
 */
export const INDEX = script(
  'index',
  KEEP +
    `
local before = redis.call('PTTL', KEYS[1])
local trimmed = {}
if ARGV[1] ~= '' then
  trimmed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, ${TRIM} + tonumber(ARGV[4]))
  for _, member in ipairs(trimmed) do redis.call('ZREM', KEYS[1], member) end
end
local last = 4 + tonumber(ARGV[4]) * 2
for i = 5, last, 2 do
  if ARGV[3] == '' then
    redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
  else
    redis.call('ZADD', KEYS[1], ARGV[3], ARGV[i], ARGV[i + 1])
  end
end
for i = last + 1, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
if redis.call('EXISTS', KEYS[1]) == 1 then keep(KEYS[1], ARGV[2], before) end
return trimmed
`,
);

/**
 * The user tags whose time has come in the expiry index. KEYS: the index. ARGV: now, count. Up to
 * count tags scored at or below now, lowest first. An entry of the earlier layout (a session id,
 * not a 6-character tag) among them becomes its tag's, so the sweep drains that layout's index.
 */
export const DUE = script(
  'due',
  `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[2])
local tags, seen = {}, {}
for i = 1, #due, 2 do
  local member = due[i]
  local tag = string.sub(member, 1, 6)
  if member ~= tag then
    -- Added first: removing the last member would delete the set and its TTL.
    redis.call('ZADD', KEYS[1], 'LT', due[i + 1], tag)
    redis.call('ZREM', KEYS[1], member)
  end
  if not seen[tag] then
    seen[tag] = true
    tags[#tags + 1] = tag
  end
end
return tags
`,
);

/**
 * One tag's part of the sweep. KEYS: the tag's sessions. ARGV: now, most sessions to return.
 * Returns {E of the earliest expiry after now ('' for none), number of lapsed sessions, then
 * field, user id, value of each lapsed session returned}.
 */
export const SWEEP = script(
  'sweep',
  PACKED +
    `
local now, want = tonumber(ARGV[1]), tonumber(ARGV[2])
local fields = upgraded(KEYS[1])
local owner = false
for i = 1, #fields, 2 do
  if fields[i] == 'o:' then owner = fields[i + 1] end
end
local out, soonest, soonestAt, lapsed = {'', ''}, '', nil, 0
for i = 1, #fields, 2 do
  local field, value = fields[i], fields[i + 1]
  if string.sub(field, 2, 2) ~= ':' then
    local e, _, _, u = parts(value)
    local at = time(e)
    if at and at <= now then
      lapsed = lapsed + 1
      if lapsed <= want then
        out[#out + 1] = field
        out[#out + 1] = userOf(KEYS[1], u, owner) or ''
        out[#out + 1] = value
      end
    elseif at and (soonestAt == nil or at < soonestAt) then
      soonest, soonestAt = e, at
    end
  end
end
out[1], out[2] = soonest, tostring(lapsed)
return out
`,
);

/** KEYS: an index. ARGV: max score, offset, count. Members scored at or below max, lowest first. */
export const RANGE = script(
  'range',
  `return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', ARGV[2], ARGV[3])`,
);

/** KEYS: tombstone. {keepUntil, PTTL} while it exists, else {}. */
export const KEPT = script(
  'kept',
  `
local keepUntil = redis.call('HGET', KEYS[1], 'k')
if not keepUntil then return {} end
return {keepUntil, redis.call('PTTL', KEYS[1])}
`,
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

import type { DeviceInfo } from '../../device.js';
import type { SessionRecord } from '../../session.js';

/**
 * The one string a user tag's hash keeps per session (see the layout in scripts.ts):
 * `E,L,H,U,tail`. E and L (expiresAt, lastSeenAt) and H (the token hash) lead, since the scripts
 * read and rewrite them; U is the user id, empty for the hash's owner, and is set by the scripts.
 * Text fields have `%` and `,` escaped as `%25` and `%2C`.
 *
 * The tail is either compact, `createdAt,idleTimeout,absoluteExpiresAt,generation,kind,ip,label`
 * then `,` and the data's JSON when there is data; or, for a record of any other shape (and for a
 * session converted from the earlier layout), `{` JSON of the record, whose id, userId, tokenHash,
 * lastSeenAt and expiresAt the leading fields override.
 */

/** The device kinds the library itself gives, stored as one digit. */
const KINDS = ['desktop', 'mobile', 'tablet', 'other'];
/** A kind of the app's own is stored after this mark. */
const OWN_KIND = '=';
/** A time or count that is not a non-negative safe integer is stored as decimal after this mark. */
const DECIMAL = '~';
const RECORD_KEYS = new Set([
  'id',
  'userId',
  'tokenHash',
  'createdAt',
  'lastSeenAt',
  'idleTimeout',
  'absoluteExpiresAt',
  'expiresAt',
  'generation',
  'device',
  'data',
]);
const DEVICE_KEYS = new Set(['kind', 'label', 'ip']);
/** How many compact tail fields come before the data. */
const TAIL_FIELDS = 7;
/** The most fields a split gives: the compact tail's and its data. */
const FIELDS = TAIL_FIELDS + 1;
type Fields = [string, string, string, string, string, string, string, string];

/** A time or count as stored: base 36, '' for none. */
export function packNumber(value: number | null): string {
  if (value === null) return '';
  return Number.isSafeInteger(value) && value >= 0 ? value.toString(36) : DECIMAL + String(value);
}

export function unpackNumber(text: string): number | null {
  if (text === '') return null;
  return text.startsWith(DECIMAL) ? Number(text.slice(1)) : parseInt(text, 36);
}

export function escapeText(text: string): string {
  return text.replace(/[%,]/g, (c) => (c === '%' ? '%25' : '%2C'));
}

function unescapeText(text: string): string {
  return text.replace(/%(25|2C)/g, (_, code: string) => (code === '25' ? '%' : ','));
}

/** The leading fields a put sends: `E,L,H` (the script adds U and the tail). */
export function packHead(record: SessionRecord): string {
  return `${packNumber(record.expiresAt)},${packNumber(record.lastSeenAt)},${escapeText(record.tokenHash)}`;
}

/** The fields no script reads, as compact as the record's shape allows. */
export function packTail(record: SessionRecord): string {
  if (!compactable(record)) return JSON.stringify(record);
  const { device } = record;
  const kind = KINDS.indexOf(device.kind);
  const fields = [
    packNumber(record.createdAt),
    packNumber(record.idleTimeout),
    packNumber(record.absoluteExpiresAt),
    packNumber(record.generation),
    kind === -1 ? OWN_KIND + escapeText(device.kind) : String(kind),
    device.ip === undefined ? '' : escapeText(device.ip),
    escapeText(device.label),
  ];
  if (record.data !== undefined) fields.push(JSON.stringify(record.data));
  return fields.join(',');
}

/** The record a stored value holds, given its id and the user the script found for it. */
export function unpack(value: string, id: string, userId: string): SessionRecord {
  const [expiresAt, lastSeenAt, tokenHash, , tail] = splitFields(value, 4);
  const lead = {
    id,
    userId,
    tokenHash: unescapeText(tokenHash),
    lastSeenAt: unpackNumber(lastSeenAt) ?? 0,
    expiresAt: unpackNumber(expiresAt),
  };
  if (tail.startsWith('{')) return { ...(JSON.parse(tail) as SessionRecord), ...lead };
  const [createdAt, idleTimeout, absoluteExpiresAt, generation, kind, ip, label, data] =
    splitFields(tail, TAIL_FIELDS);
  const device: DeviceInfo = {
    kind: kind.startsWith(OWN_KIND) ? unescapeText(kind.slice(1)) : (KINDS[Number(kind)] ?? ''),
    label: unescapeText(label),
  };
  if (ip !== '') device.ip = unescapeText(ip);
  const record: SessionRecord = {
    ...lead,
    createdAt: unpackNumber(createdAt) ?? 0,
    idleTimeout: unpackNumber(idleTimeout),
    absoluteExpiresAt: unpackNumber(absoluteExpiresAt),
    generation: unpackNumber(generation) ?? 0,
    device,
  };
  if (data !== '') record.data = JSON.parse(data) as NonNullable<SessionRecord['data']>;
  return record;
}

/**
 * The first `count` comma-separated fields and the rest (the last field of a compact tail, the
 * data's JSON, may itself hold commas); '' for a field that is absent.
 */
function splitFields(text: string, count: number): Fields {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const comma = text.indexOf(',', start);
    if (comma === -1) break;
    fields.push(text.slice(start, comma));
    start = comma + 1;
  }
  fields.push(text.slice(start));
  while (fields.length < FIELDS) fields.push('');
  return fields as Fields;
}

/** True when the record has only the fields the compact tail keeps, of the types it keeps. */
function compactable(record: SessionRecord): boolean {
  const { device } = record as { device: unknown };
  if (typeof device !== 'object' || device === null) return false;
  const { kind, label, ip } = device as Record<string, unknown>;
  return (
    Object.keys(record).every((key) => RECORD_KEYS.has(key)) &&
    Object.keys(device).every((key) => DEVICE_KEYS.has(key)) &&
    typeof kind === 'string' &&
    typeof label === 'string' &&
    (ip === undefined || (typeof ip === 'string' && ip !== '')) &&
    [record.createdAt, record.generation].every(Number.isFinite) &&
    [record.idleTimeout, record.absoluteExpiresAt].every((n) => n === null || Number.isFinite(n))
  );
}

import type { InvalidSession } from './results.js';

/**
 * A sentence a person understands, saying why their session ended: what the default answer to
 * a dead session shows, in JSON and on the login page.
 *
 * @param result a refusal from `validate` (or the JWT `verify`)
 * @param now the current time, to decide whether the date is worth saying
 * @example
 * ```ts
 * describeSessionEnd({ ok: false, code: 'SESSION_REVOKED', reason: 'evicted', at, by });
 * // 'You were signed out because your account signed in on another device (Firefox 133 on Windows) at 14:02 UTC.'
 * ```
 */
export function describeSessionEnd(result: InvalidSession, now: number = Date.now()): string {
  const when = result.at === undefined ? '' : ` ${formatMoment(result.at, now)}`;
  const device = result.by ? ` (${result.by.device.label})` : '';
  switch (result.reason) {
    case 'evicted':
      return `You were signed out because your account signed in on another device${device}${when}.`;
    case 'replaced':
      return `You were signed out because a sign-in on another device${device} chose to replace this one${when}.`;
    case 'logout':
      return `You signed out of this session${when}.`;
    case 'idle-timeout':
      return `You were signed out because this session was inactive for too long${when}.`;
    case 'absolute-timeout':
      return `You were signed out because this session reached its maximum length${when}.`;
    case 'refresh-token-reuse':
      return `You were signed out because an old sign-in token was used again, which can mean it was copied${when}. Please sign in again.`;
    case 'revoked':
      return `You were signed out because this session was ended from your account's session list${when}.`;
    case undefined:
      return result.code === 'SESSION_UNKNOWN'
        ? 'Your session is not valid. Please sign in.'
        : 'You were signed out. Please sign in again.';
    default:
      return `You were signed out (${result.reason})${when}.`;
  }
}

/** "at 14:02 UTC", or "at 14:02 UTC on 24 Nov 2026" when it was not today. */
function formatMoment(at: number, now: number): string {
  const date = new Date(at);
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
  const sameDay = new Date(now).toISOString().slice(0, 10) === date.toISOString().slice(0, 10);
  if (sameDay) return `at ${time}`;
  const day = date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
  return `at ${time} on ${day}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

// How every store's push channel reads a notice back and hands it on: one check, one behaviour.
import type { SessionEnd } from '../session.js';
import type { PushHandlers } from '../store.js';

/** A notice read back from a channel or log, or undefined for anything that is not one. */
export function parseNotice(text: string): SessionEnd | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const notice = value as Partial<SessionEnd> | null;
  return typeof notice?.session?.id === 'string' &&
    typeof notice.reason === 'string' &&
    typeof notice.origin === 'string'
    ? (notice as SessionEnd)
    : undefined;
}

/**
 * Hands a pushed notice to one subscriber. One that cannot be read means some session ended
 * unseen: the subscriber is told the channel went down and came back, so it forgets every cached
 * lookup. A handler that throws never stops the notices after it.
 */
export function deliverNotice(handlers: PushHandlers, text: string): void {
  const notice = parseNotice(text);
  try {
    if (notice) {
      handlers.ended(notice);
    } else {
      handlers.status(false);
      handlers.status(true);
    }
  } catch {
    // One failing handler must not keep the notice from the others, nor mark the channel down.
  }
}

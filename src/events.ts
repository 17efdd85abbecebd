import type { DeviceInfo } from './device.js';
import type { SessionEnded, SessionInfo } from './session.js';

/**
 * An ended session as events report it. `remote` is true when another process ended it.
 *
 * @example
 * ```ts
 * limiter.on('revoked', (e: SessionEndedEvent) => {
 *   if (!e.remote) audit.log(`${e.session.userId} lost ${e.session.device.label}: ${e.reason}`);
 * });
 * ```
 */
export interface SessionEndedEvent extends SessionEnded {
  remote: boolean;
}

/**
 * The events a limiter emits, with their payloads. `remote` events come from the store's push
 * channel: another process ended the session; audit logs usually keep only `remote === false`.
 *
 * @example
 * ```ts
 * limiter.on('evicted', (e) => log.info(`${e.session.device.label} signed out by ${e.by?.device.label}`));
 * limiter.on('rejected', (e) => metrics.increment('login.rejected'));
 * ```
 */
export interface SessionLimiterEvents {
  /** A login opened a session, possibly evicting others. */
  opened: { session: SessionInfo; evicted: SessionInfo[] };
  /** A session was signed out to make room for a new login (`reason` `'evicted'` or `'replaced'`). */
  evicted: SessionEndedEvent;
  /** A login was refused because the account is at its limit. */
  rejected: { userId: string; device: DeviceInfo; active: SessionInfo[] };
  /** A session was revoked by `revoke`, `revokeAll`, or an app or token reason. */
  revoked: SessionEndedEvent;
  /** A session was closed by its own logout. */
  closed: SessionEndedEvent;
  /** A session ran past its idle or absolute timeout and was cleared. */
  expired: SessionEndedEvent;
}

/**
 * The name of a limiter event.
 *
 * @example
 * ```ts
 * const names: SessionLimiterEventName[] = ['evicted', 'revoked'];
 * for (const name of names) limiter.on(name, (e) => metrics.increment(`sessions.${name}`));
 * ```
 */
export type SessionLimiterEventName = keyof SessionLimiterEvents;

type Listener<T> = (payload: T) => void;

/** A small typed emitter; a throwing listener is reported, never allowed to break the caller. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(name)?.delete(listener);
  }

  has(name: keyof Events): boolean {
    return (this.#listeners.get(name)?.size ?? 0) > 0;
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}

/** Which event an end reason belongs to. */
export function eventForReason(reason: string): 'evicted' | 'revoked' | 'closed' | 'expired' {
  switch (reason) {
    case 'evicted':
    case 'replaced':
      return 'evicted';
    case 'logout':
      return 'closed';
    case 'idle-timeout':
    case 'absolute-timeout':
      return 'expired';
    default:
      return 'revoked';
  }
}

import { type SessionEnd, noticeWithoutData } from '../../session.js';
import type { PushHandlers } from '../../store.js';
import { deliverNotice } from '../notice.js';
import type { Driver } from './drivers.js';

/** NOTIFY payloads must be shorter than 8000 bytes. */
const MAX_PAYLOAD_BYTES = 7_999;

/**
 * Published instead of a notice too large for NOTIFY (which the limiter's own bounds on user
 * ids, labels and reasons never produce): receivers drop their whole cache rather than miss it.
 */
const RESYNC = '{"resync":true}';

/**
 * The NOTIFY payload for an ended session: the notice without `session.data` and `by.data`
 * (app data may be up to 16 KiB). Never too large, so a commit never fails because of it.
 */
export function noticePayload(end: SessionEnd): string {
  const payload = JSON.stringify(noticeWithoutData(end));
  return Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES ? payload : RESYNC;
}

/**
 * Shares one LISTEN among every subscription of a store (each limiter on it subscribes once):
 * the first subscription starts listening, the last one to leave stops.
 */
export class PushHub {
  readonly #driver: Driver;
  readonly #channel: string;
  readonly #subscribers = new Set<PushHandlers>();
  #stop: Promise<() => Promise<void>> | undefined;
  #up = false;

  constructor(driver: Driver, channel: string) {
    this.#driver = driver;
    this.#channel = channel;
  }

  async subscribe(handlers: PushHandlers): Promise<() => Promise<void>> {
    this.#subscribers.add(handlers);
    if (this.#up) handlers.status(true);
    this.#stop ??= this.#driver.listen(this.#channel, {
      notify: (payload) => this.#deliver(payload),
      status: (up) => {
        this.#up = up;
        for (const subscriber of this.#subscribers) subscriber.status(up);
      },
    });
    await this.#stop;
    return async () => {
      if (!this.#subscribers.delete(handlers) || this.#subscribers.size > 0) return;
      const stop = this.#stop;
      this.#stop = undefined;
      this.#up = false;
      await (
        await stop
      )?.();
    };
  }

  #deliver(payload: string): void {
    // RESYNC is no notice: each subscriber then forgets every cached lookup.
    for (const subscriber of this.#subscribers) deliverNotice(subscriber, payload);
  }
}

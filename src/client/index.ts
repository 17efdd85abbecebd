// session-limiter/client: the browser side of the live notice. No dependencies and no imports,
// so a page can load the file as it is; compiled with the DOM types only (./tsconfig.json).

/**
 * What the server's `event: revoked` carries: the same code, reason and sentence as its 401
 * answer, when the session ended (ISO time) and the device that ended it.
 *
 * @example
 * ```ts
 * watchSession({ onRevoked: (notice: SessionNotice) => showBanner(notice.message) });
 * ```
 */
export interface SessionNotice {
  code: string;
  reason: string | null;
  message: string;
  at: string | null;
  by: { kind: string; label: string } | null;
}

/**
 * Options of {@link watchSession}.
 *
 * @example
 * ```ts
 * const options: WatchSessionOptions = { url: '/api/events', redirectTo: '/login', tabs: true };
 * ```
 */
export interface WatchSessionOptions {
  /** The server's event stream. Default `'/api/events'`. */
  url?: string;
  /** Called once with the notice; without it, a banner with `role="alert"` shows the sentence. */
  onRevoked?: (notice: SessionNotice) => void;
  /** The sign-in page to send the user to once told (its server says why again there). */
  redirectTo?: string;
  /**
   * Keeps the tabs of this browser in step: one tab holds the stream and tells the others
   * (BroadcastChannel), so many tabs cost one connection; when it stops or closes, another tab
   * takes the stream over. Default false.
   */
  tabs?: boolean;
}

const NAME = 'session-limiter';
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
/** How long a tab told by the stream keeps the stream's lock while the other tabs hear of it. */
const TABS_HEAR_MS = 1_000;

/**
 * Follows this browser's session: opens the server's event stream and, the moment the session
 * ends (a sign-out in any tab too), shows why (or calls `onRevoked`) and goes to `redirectTo`.
 * The notice comes once: the stream is closed then. A lost connection is reopened by the
 * browser. A stream refused with 401 means the browser has no session there any more (its
 * cookie is gone, or the server forgot it): that is told as a notice too. Any other refusal
 * (503) is asked again after 1 s, then twice as long each time, up to 30 s. Returns a function
 * that stops following.
 *
 * @example
 * ```ts
 * import { watchSession } from 'session-limiter/client';
 *
 * const stop = watchSession({ url: '/api/events', redirectTo: '/login', tabs: true });
 * // A sign-out needs no stop(): its notice is how the other tabs learn of it.
 * // When the page no longer shows the account: stop();
 * ```
 */
export function watchSession(options: WatchSessionOptions = {}): () => void {
  const { url = '/api/events', onRevoked, redirectTo, tabs = false } = options;
  let stopped = false;
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let wait = FIRST_RETRY_MS;
  let release: (() => void) | undefined;
  const channel =
    tabs && typeof BroadcastChannel === 'function' ? new BroadcastChannel(`${NAME} ${url}`) : null;

  const close = (): void => {
    stopped = true;
    source?.close();
    source = null;
    clearTimeout(retry);
    channel?.close();
  };
  const stop = (): void => {
    close();
    release?.();
  };

  const revoked = (notice: SessionNotice, tellTabs: boolean): void => {
    if (stopped) return;
    if (tellTabs) channel?.postMessage(notice);
    close();
    // The lock passes on only once the other tabs have heard: else the next would open a stream
    // for a session that has ended.
    if (tellTabs && release) setTimeout(release, TABS_HEAR_MS);
    else release?.();
    if (onRevoked) onRevoked(notice);
    else showBanner(notice.message);
    if (redirectTo !== undefined) location.assign(redirectTo);
  };

  const connect = (): void => {
    if (stopped) return;
    const stream = new EventSource(url);
    source = stream;
    stream.addEventListener('open', () => (wait = FIRST_RETRY_MS));
    stream.addEventListener('revoked', (event) => {
      const notice = parseNotice((event as MessageEvent<unknown>).data);
      if (notice) revoked(notice, true);
    });
    stream.addEventListener('error', () => {
      // While CONNECTING the browser retries by itself; a refused or failed answer closes it.
      if (stopped || stream.readyState !== EventSource.CLOSED) return;
      void whyRefused(url).then((notice) => {
        if (stopped) return;
        if (notice) return revoked(notice, true);
        retry = setTimeout(connect, wait);
        wait = Math.min(wait * 2, MAX_RETRY_MS);
      });
    });
  };

  if (channel) {
    channel.onmessage = (event: MessageEvent<unknown>) => {
      const notice = parseNotice(event.data);
      if (notice) revoked(notice, false);
    };
  }
  // One tab at a time holds the stream: the lock passes to another tab when it stops or closes.
  const locks = tabs && typeof navigator === 'object' ? navigator.locks : undefined;
  if (locks) {
    void locks.request(`${NAME} ${url}`, () =>
      stopped
        ? undefined
        : new Promise<void>((resolve) => {
            release = resolve;
            connect();
          }),
    );
  } else {
    connect();
  }
  return stop;
}

/**
 * Why the stream was refused, read from the answer an EventSource cannot see: a 401 means this
 * browser has no session there any more (its cookie is gone, or the server forgot it), so no
 * stream will ever tell; null for anything else (503, a network failure), which is asked again.
 */
async function whyRefused(url: string): Promise<SessionNotice | null> {
  try {
    const answer = await fetch(url, { headers: { accept: 'application/json' } });
    if (answer.status !== 401) {
      void answer.body?.cancel();
      return null;
    }
    const error = ((await answer.json()) as { error?: Partial<SessionNotice> } | null)?.error;
    return typeof error?.code === 'string' && typeof error.message === 'string'
      ? {
          code: error.code,
          reason: error.reason ?? null,
          message: error.message,
          at: null,
          by: null,
        }
      : null;
  } catch {
    return null;
  }
}

/** The notice in an event's data, or null if it is not one (a stream from something else). */
function parseNotice(data: unknown): SessionNotice | null {
  try {
    const value: unknown = typeof data === 'string' ? JSON.parse(data) : data;
    const notice = value as Partial<SessionNotice> | null;
    return typeof notice === 'object' && notice !== null && typeof notice.message === 'string'
      ? (notice as SessionNotice)
      : null;
  } catch {
    return null;
  }
}

/** The default notice: a banner across the top of the page, read out by screen readers. */
function showBanner(message: string): void {
  const banner = document.createElement('div');
  banner.setAttribute('role', 'alert');
  banner.textContent = message;
  // Set through the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows.
  Object.assign(banner.style, {
    position: 'sticky',
    top: '0',
    zIndex: '2147483647',
    padding: '0.75rem 1rem',
    background: '#fdecee',
    color: '#1b1b1b',
    borderBottom: '3px solid #b00020',
    font: '16px/1.5 system-ui, sans-serif',
  });
  document.body.prepend(banner);
}

// What a fault scenario records, and the properties it must hold, judged in one place for the
// CI tests and for the longer `npm run test:faults`.

/**
 * What a request was: a live session's `GET /api/me`, one of a session revoked before the fault,
 * one of a session revoked while the push channel was down (`gap`), or a new sign-in.
 */
export type RequestKind = 'live' | 'revoked' | 'gap' | 'login';

/** One request of the load: when it started and ended (ms) and how it was answered. */
export interface Sample {
  kind: RequestKind;
  t0: number;
  t1: number;
  /** The HTTP status, or `hang` (no answer within the client's patience), or `error` (a reset). */
  status: number | 'hang' | 'error';
  code?: string;
  /** For `gap` requests: when the session was revoked. */
  revokedAt?: number;
}

/**
 * One fault: `start` when its injection began, `down` once it was in effect, `restoring` when
 * the scenario began to bring the server back (it is down for sure until then), `back` once the
 * server answered again. `expect` says what the store was meanwhile: `refused` (unreachable or
 * stalled: logins must be refused), `served` (only the push channel dropped: nothing refused),
 * `either` (connections cut: calls in flight may fail).
 */
export interface FaultWindow {
  name: string;
  expect: 'refused' | 'served' | 'either';
  start: number;
  down: number;
  restoring: number;
  back: number;
}

export interface FaultReport {
  store: string;
  client: string;
  /** The store's timeout (ms). */
  timeout: number;
  faults: FaultWindow[];
  samples: Sample[];
  /** Unhandled rejections and uncaught exceptions, as text. */
  unhandled: string[];
  /** What the app's error handler saw that it could not map to an answer. */
  appErrors: string[];
  /** Connections the server still saw from the app's clients after they were closed. */
  leakedConnections: number;
}

/** How late past the store's timeout an answer may come (timers, a busy machine). */
export const SLACK_MS = 1_500;
/** The time the service has to come back after the server returns. */
export const RECOVERY_MS = 1_000;
/**
 * The scenario sees a fault take effect and end a little after the server does: an answer this
 * close to either edge may have been decided outside the window.
 */
const EDGE_MS = 100;

/** Every property the report breaks, in words; empty when all hold. */
export function violations(report: FaultReport): string[] {
  const found: string[] = [];
  const add = (fault: string, problem: string) => {
    if (!found.includes(`${fault}: ${problem}`)) found.push(`${fault}: ${problem}`);
  };
  for (const error of report.unhandled) add('process', `unhandled: ${error}`);
  for (const error of report.appErrors) add('app', `unexpected error: ${error}`);
  if (report.leakedConnections > 0) {
    add('shutdown', `${report.leakedConnections} connection(s) still open after closing`);
  }
  report.faults.forEach((fault, i) => {
    const end = report.faults[i + 1]?.start ?? Infinity;
    const samples = report.samples.filter((s) => s.t0 >= fault.start && s.t0 < end);
    for (const problem of sampleProblems(samples, report.timeout)) add(fault.name, problem);
    for (const problem of windowProblems(fault, samples, end)) add(fault.name, problem);
  });
  return found;
}

/** What no single answer may ever be, whatever the fault. */
function sampleProblems(samples: Sample[], timeout: number): string[] {
  const problems: string[] = [];
  for (const s of samples) {
    if (s.status !== 200 && s.status !== 401 && s.status !== 503) {
      problems.push(`a ${s.kind} request was answered ${s.status}`);
    }
    if (s.status === 503 && s.code !== 'STORE_UNAVAILABLE') {
      problems.push(`a 503 carried ${s.code ?? 'no code'}, not STORE_UNAVAILABLE`);
    }
    if (s.kind === 'revoked' && s.status === 200) {
      problems.push('a session revoked before the fault was accepted');
    }
    if (s.kind === 'revoked' && s.status === 401 && s.code !== 'SESSION_REVOKED') {
      problems.push(`a revoked session was answered 401 ${s.code ?? ''}, not SESSION_REVOKED`);
    }
    if (s.kind === 'gap' && s.status === 200 && s.t0 >= (s.revokedAt ?? Infinity)) {
      problems.push('a session revoked while the push channel was down was accepted');
    }
    if (s.kind === 'live' && s.status === 401) problems.push('a live session was refused');
    const ms = Math.round(s.t1 - s.t0);
    if (ms > timeout + SLACK_MS) problems.push(`an answer took ${ms} ms`);
  }
  return problems;
}

/** What must hold around one fault's window. */
function windowProblems(fault: FaultWindow, samples: Sample[], end: number): string[] {
  const problems: string[] = [];
  const logins = samples.filter((s) => s.kind === 'login');
  if (!samples.some((s) => s.kind === 'revoked')) {
    problems.push('no request carried a revoked session: the load did not run');
  }
  if (fault.expect === 'refused') {
    const decidedWhileDown = (s: Sample) =>
      s.t1 > fault.down + EDGE_MS && s.t1 < fault.restoring - EDGE_MS;
    if (logins.some((s) => decidedWhileDown(s) && s.status === 200)) {
      problems.push('a login succeeded while the store was down');
    }
    const refused = logins.filter((s) => decidedWhileDown(s) && s.status === 503);
    if (refused.length === 0) {
      problems.push('no login was refused with 503 while the store was down');
    }
    // Once a call has failed the limiter knows the store is down: no answer from memory after.
    const known = Math.min(...samples.filter((s) => s.status === 503).map((s) => s.t1));
    const fromMemory = (s: Sample) =>
      s.kind === 'live' && s.status === 200 && s.t0 > known && s.t1 < fault.restoring - EDGE_MS;
    if (samples.some(fromMemory)) {
      problems.push('a session was accepted while the store was known to be down');
    }
  }
  // Answered before the next fault began: a request sent just before it may be caught in it.
  const answered = samples.filter((s) => s.t1 < end);
  if (fault.expect === 'served' && answered.some((s) => s.status === 503)) {
    problems.push('a request was refused although only the push channel dropped');
  }
  const recovered = logins.filter((s) => s.status === 200 && s.t1 >= fault.back);
  const first = Math.min(...recovered.map((s) => s.t1));
  if (!Number.isFinite(first)) {
    problems.push('no login succeeded after the server returned');
  } else if (first - fault.back > RECOVERY_MS) {
    problems.push(
      `the first login after the server returned took ${Math.round(first - fault.back)} ms`,
    );
  }
  const settled = fault.back + RECOVERY_MS;
  if (answered.some((s) => s.t0 >= settled && s.status === 503)) {
    problems.push(`requests were still refused ${RECOVERY_MS} ms after the server returned`);
  }
  return problems;
}

/** Per fault: how many requests got each answer, for the log and the closing note. */
export function summary(report: FaultReport): string[] {
  return report.faults.map((fault, i) => {
    const end = report.faults[i + 1]?.start ?? Infinity;
    const counts = new Map<string, number>();
    for (const s of report.samples) {
      if (s.t0 < fault.start || s.t0 >= end) continue;
      const key = `${s.kind} ${s.status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const recovered = report.samples
      .filter((s) => s.kind === 'login' && s.status === 200 && s.t1 >= fault.back)
      .map((s) => s.t1 - fault.back);
    const recovery = recovered.length ? `${Math.round(Math.min(...recovered))} ms` : 'never';
    const answers = [...counts].map(([key, n]) => `${key}: ${n}`).join(', ');
    return `${report.store}/${report.client} ${fault.name} (down ${Math.round(fault.back - fault.down)} ms, back after ${recovery}): ${answers}`;
  });
}

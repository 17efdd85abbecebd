// One fault scenario, run as a process of its own so that its exit can be watched: starts a store
// server, two limiters on it (the app, and another process that revokes), the app on the Express
// adapter, and a load through it; puts the server through each fault while the load runs; closes
// everything; writes the report. Once it has closed what it opened, nothing may keep it alive: it
// calls process.exit only when the scenario itself breaks.
//
//   node --import tsx test/faults/scenario.ts <redis|postgres> <client> <quick|long> <report.json>
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Backend,
  type ClientName,
  type Instance,
  type StoreName,
  backend,
} from './backends.js';
import { Load, type Sessions, send, serveApp } from './load.js';
import { DONE, PROFILES, type ProfileName } from './profiles.js';
import { type FaultReport, type FaultWindow, SLACK_MS } from './report.js';

const unhandled: string[] = [];
/** The servers, to stop even when the scenario itself breaks. */
let opened: Backend | undefined;
process.on('unhandledRejection', (reason) => unhandled.push(describe(reason)));
process.on('uncaughtException', (error) => unhandled.push(describe(error)));

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function main(): Promise<void> {
  const [store, client, profileName = '', reportPath] = process.argv.slice(2);
  if (!(profileName in PROFILES) || !reportPath) {
    throw new Error('usage: scenario.ts <store> <client> <quick|long> <report.json>');
  }
  const profile = PROFILES[profileName as ProfileName];
  const patience = profile.timeout + SLACK_MS + 1_000;
  const server: Backend = await backend(store as StoreName, client as ClientName, profile);
  opened = server;
  const app: Instance = await server.instance('app');
  const other: Instance = await server.instance('other');
  await until(() => app.statuses.at(-1) === true && other.statuses.at(-1) === true, 5_000, 'push');
  const http = await serveApp(app.limiter);

  /** Signs a new user in through the app and checks the session once (the app caches it). */
  const signIn = async (user: string) => {
    const opened = await send(
      `${http.url}/api/login`,
      { method: 'POST', json: { user } },
      patience,
    );
    if (opened.status !== 200 || !opened.cookie || !opened.sessionId) {
      throw new Error(`could not sign ${user} in: ${opened.status}`);
    }
    const me = await send(`${http.url}/api/me`, { cookie: opened.cookie }, patience);
    if (me.status !== 200) throw new Error(`${user}'s new session was refused: ${me.status}`);
    return { user, cookie: opened.cookie, id: opened.sessionId };
  };
  /** Revokes the session from the other instance; resolves once the app refuses it. */
  const revokeElsewhere = async (session: { user: string; cookie: string; id: string }) => {
    await other.limiter.revoke(session.user, session.id);
    const refused = async () =>
      (await send(`${http.url}/api/me`, { cookie: session.cookie }, patience)).status === 401;
    await until(refused, 3_000, 'the app to refuse a revoked session');
  };

  const sessions: Sessions = { live: [], revoked: [], gap: [] };
  for (let i = 0; i < 8; i++) sessions.live.push((await signIn(`live-${i}`)).cookie);
  const load = new Load(http.url, sessions, {
    workers: profile.workers,
    patience,
    pauseMs: 5,
  });

  const windows: FaultWindow[] = [];
  let n = 0;
  for (let round = 0; round < profile.rounds; round++) {
    for (const fault of server.faults) {
      n++;
      // A session revoked before the fault, which must stay refused through it.
      const revoked = await signIn(`revoked-${n}`);
      await revokeElsewhere(revoked);
      sessions.revoked.push(revoked.cookie);
      const candidate = fault.dropsPush ? await signIn(`gap-${n}`) : undefined;
      await sleep(profile.steadyMs);
      const statusesBefore = app.statuses.length;
      const start = performance.now();
      console.error(`${Math.round(start)} ms: ${fault.name}`); // shown when a run fails
      await fault.inject();
      const down = performance.now();
      if (candidate) {
        // Revoked elsewhere once the app has lost its push channel: the notice cannot reach it.
        await until(() => app.statuses.slice(statusesBefore).includes(false), 5_000, 'the drop');
        await other.limiter.revoke(candidate.user, candidate.id);
        sessions.gap.push({ cookie: candidate.cookie, revokedAt: performance.now() });
      }
      if (!fault.instant) await sleep(profile.windowMs);
      const restoring = performance.now();
      await fault.restore();
      const back = performance.now();
      windows.push({ name: fault.name, expect: fault.expect, start, down, restoring, back });
      await sleep(profile.afterMs);
    }
  }

  await load.stop();
  await http.close();
  await app.close();
  await other.close();
  let leaked = await server.connections();
  await until(
    async () => (leaked = await server.connections()) === 0,
    3_000,
    'closed connections',
  ).catch(() => undefined);
  await server.destroy();

  const report: FaultReport = {
    store: String(store),
    client: String(client),
    timeout: profile.timeout,
    faults: windows,
    samples: load.samples,
    unhandled,
    appErrors: http.errors,
    leakedConnections: leaked,
  };
  await writeFile(reportPath, JSON.stringify(report));
  console.log(DONE);
}

main().catch(async (error: unknown) => {
  // The scenario itself broke (not a property of the store): say so, stop the servers, go.
  console.error(error);
  await opened?.destroy().catch(() => undefined);
  process.exit(1);
});

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LimitAction } from '../../src/index.js';

/**
 * Races logins for one user from several processes at once, the way a load balancer spreads
 * them: the child processes each open their own store on the same data, and on every trial
 * all of them fire `parallel` opens for a fresh user at the same moment.
 *
 * A store factory module default-exports `(options) => Promise<{ store, close() }>`; see
 * test/support/factories/.
 */
export interface RaceOptions {
  /** Path of the store factory module. */
  factory: string;
  /** JSON handed to the factory in every child (a file path, a URL, a prefix). */
  factoryOptions: unknown;
  processes: number;
  parallel: number;
  max: number;
  onLimit: LimitAction;
}

/** What one trial did: logins that reported success, and the sessions live afterwards. */
export interface TrialResult {
  userId: string;
  successes: number;
  errors: string[];
}

export interface RaceHandle {
  /** Runs one trial for `userId` in every child at once. */
  trial(userId: string): Promise<TrialResult>;
  close(): Promise<void>;
}

type ChildReply =
  | { type: 'ready' }
  | { type: 'done'; userId: string; successes: number; errors: string[] }
  | { type: 'failed'; error: string };

const CHILD = fileURLToPath(new URL('./race-child.ts', import.meta.url));

/** Starts the child processes and waits until each has opened its store. */
export async function startRace(options: RaceOptions): Promise<RaceHandle> {
  const children: ChildProcess[] = [];
  for (let i = 0; i < options.processes; i++) {
    children.push(
      fork(CHILD, [JSON.stringify(options)], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
  }
  await Promise.all(children.map((child) => nextReply(child, 'ready')));

  return {
    async trial(userId) {
      const replies = children.map((child) => nextReply(child, 'done'));
      for (const child of children) child.send({ type: 'trial', userId });
      const results = (await Promise.all(replies)) as Extract<ChildReply, { type: 'done' }>[];
      return {
        userId,
        successes: results.reduce((sum, r) => sum + r.successes, 0),
        errors: results.flatMap((r) => r.errors),
      };
    },
    async close() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.send({ type: 'exit' });
            }),
        ),
      );
    },
  };
}

function nextReply(child: ChildProcess, expected: ChildReply['type']): Promise<ChildReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildReply) => {
      cleanup();
      if (message.type === 'failed') reject(new Error(`race child failed: ${message.error}`));
      else if (message.type !== expected) reject(new Error(`race child said ${message.type}`));
      else resolve(message);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`race child exited with code ${code}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

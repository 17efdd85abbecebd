import { readFileSync } from 'node:fs';
import ts from 'typescript';

/** Where the examples serve session-limiter/client to their pages. */
export const CLIENT_PATH = '/session-limiter-client.js';

let compiled: string | undefined;

/**
 * session-limiter/client as browser JavaScript, compiled from its source on first use, so an
 * example runs from a fresh clone with no build step and never serves a stale copy.
 */
export function clientScript(): string {
  compiled ??= ts.transpileModule(
    readFileSync(new URL('../../src/client/index.ts', import.meta.url), 'utf8'),
    {
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        removeComments: true,
      },
    },
  ).outputText;
  return compiled;
}

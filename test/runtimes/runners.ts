// How the runtime tests start a TypeScript file on Bun or Deno: exactly as the example's npm
// script does (its flags live there only), with the binary from BUN / DENO when set.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../../', import.meta.url);
const scripts = (
  JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

export const RUNTIMES = [
  ['bun', process.env.BUN],
  ['deno', process.env.DENO],
] as const;

/** `npm run example:<name>`, split: the runner's command and flags, and the example's entry point. */
export function npmScript(
  name: string,
  binary: string | undefined,
): { runner: string[]; main: string } {
  const words = (scripts[`example:${name}`] ?? '').split(' ');
  const main = words.pop() ?? '';
  if (binary) words[0] = binary;
  return { runner: words, main: fileURLToPath(new URL(main, root)) };
}

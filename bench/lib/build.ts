// The HTTP apps run the built package (dist/), as an application would: build it when it is
// missing or older than a source file.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RowContext } from '../row.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function ensureBuilt(context: RowContext): void {
  if (builtTime() > newestSource(join(ROOT, 'src'))) return;
  context.log('building the package (npm run build)');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
}

function builtTime(): number {
  try {
    return statSync(join(ROOT, 'dist', 'index.js')).mtimeMs;
  } catch {
    return 0;
  }
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

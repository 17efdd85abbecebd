// The packaging test's checks besides the subpaths: what npm installed, the Hono app, the types.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSUMER_PACKAGES, type Manifest, run } from './project.js';

/** What a check found: lines to show, and what broke its rules (none when it passed). */
export interface Finding {
  detail: string[];
  problems: string[];
}

/** What the subpaths plug into: each must stay an optional peer, never a dependency. */
const FRAMEWORKS = [
  ...['hono', 'express', 'koa', 'fastify', '@nestjs/common', '@nestjs/core'],
  ...['ioredis', 'redis', 'pg', 'postgres', 'better-sqlite3'],
  ...['better-auth', '@auth/core', 'passport'],
];

/**
 * Frameworks, store clients and auth libraries are optional peers: the manifest says so, and
 * installing the tarball beside hono brought none of the others.
 */
export function checkInstalled(manifest: Manifest, installed: ReadonlySet<string>): Finding {
  const problems: string[] = [];
  const peers = manifest.peerDependencies ?? {};
  for (const name of FRAMEWORKS) {
    if (manifest.dependencies?.[name] !== undefined) problems.push(`${name} is a dependency`);
    if (peers[name] === undefined) problems.push(`${name} is not a peer dependency`);
  }
  const wanted = new Set<string>(CONSUMER_PACKAGES);
  for (const peer of Object.keys(peers)) {
    if (manifest.peerDependenciesMeta?.[peer]?.optional !== true) {
      problems.push(`the peer ${peer} is not marked optional`);
    }
    if (installed.has(peer) && !wanted.has(peer)) problems.push(`npm installed the peer ${peer}`);
  }
  for (const name of wanted) if (!installed.has(name)) problems.push(`${name} is not installed`);
  return { detail: [[...installed].sort().join(', ')], problems };
}

/** consumer/hono-app.js: real requests through the installed package and hono. */
export async function checkHonoApp(dir: string): Promise<Finding> {
  const ran = await run('node', ['hono-app.js'], dir);
  const detail = ran.stdout.trim().split('\n').filter(Boolean);
  return { detail, problems: ran.code === 0 ? [] : [`exited with ${ran.code}:\n${ran.stderr}`] };
}

/**
 * `tsc -p .` over consumer/types.ts and consumer/wrong-option.ts: the one error it must report is
 * the one wrong-option.ts marks (a `// TS<code>` comment ending its line), and no other.
 */
export async function checkTypes(dir: string): Promise<Finding> {
  const expected = markedError(dir, 'wrong-option.ts');
  const ran = await run('node', ['node_modules/typescript/bin/tsc', '-p', '.'], dir);
  const errors = ran.stdout.split('\n').filter((line) => /\): error TS\d+:/.test(line));
  const at = `${expected.file}(${expected.line},`;
  const found = errors.filter((line) => line.startsWith(at) && line.includes(expected.code));
  if (found.length === 1 && errors.length === 1) {
    return {
      detail: [`tsc reported the marked error, and no other: ${errors.join('')}`],
      problems: [],
    };
  }
  const where = `${expected.code} on line ${expected.line} of ${expected.file}`;
  return {
    detail: [],
    problems: [`tsc was to report ${where} alone; it said:\n${ran.stdout}${ran.stderr}`],
  };
}

function markedError(dir: string, file: string): { file: string; line: number; code: string } {
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  const line = lines.findIndex((text) => /\/\/ TS\d+$/.test(text));
  const code = /\/\/ (TS\d+)$/.exec(lines[line] ?? '')?.[1];
  if (!code) throw new Error(`${file} marks no line with the error tsc must report`);
  return { file, line: line + 1, code };
}

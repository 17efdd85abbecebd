// Each entry point of the installed package imported on its own, in a fresh process, in a project
// that has hono and no other framework, store client or auth library: it loads, or it fails
// with Node's clear "Cannot find package" naming the optional peer it needs.
import type { Finding } from './checks.js';
import { dependencyClosure, type Manifest, run } from './project.js';

/** What consumer/load.js prints for one specifier. */
interface Loaded {
  specifier: string;
  /** The absent peers that could be found from the project after all. */
  present: string[];
  error?: { code?: string; message: string };
  packages: string[];
}

/** The entry points a Hono app uses: each must load with hono alone. */
const HONO_APP_NEEDS = ['.', './hono', './fetch', './client', './jwt'];

/**
 * Imports every subpath of the package's exports map and judges each: the table of outcomes, and
 * what broke the rules.
 */
export async function checkSubpaths(
  dir: string,
  manifest: Manifest,
  installed: ReadonlySet<string>,
): Promise<Finding> {
  const peers = Object.keys(manifest.peerDependencies ?? {});
  const absent = peers.filter((peer) => !installed.has(peer));
  const dependencies = dependencyClosure(dir, Object.keys(manifest.dependencies ?? {}));
  const table: string[] = [];
  const problems: string[] = [];
  const exported = Object.keys(manifest.exports ?? {}).filter((key) => key !== './package.json');
  for (const subpath of new Set([...HONO_APP_NEEDS, ...exported])) {
    const specifier = manifest.name + subpath.slice(1);
    const ran = await run('node', ['load.js', specifier, ...absent], dir);
    if (ran.code !== 0) {
      problems.push(`${specifier}: load.js exited with ${ran.code}: ${ran.stderr}`);
      continue;
    }
    const loaded = JSON.parse(ran.stdout) as Loaded;
    const { outcome, broken } = judge(subpath, loaded, peers, absent, dependencies);
    table.push(`${specifier.padEnd(30)} ${outcome}`);
    problems.push(...broken.map((problem) => `${specifier}: ${problem}`));
  }
  return { detail: table, problems };
}

function judge(
  subpath: string,
  loaded: Loaded,
  peers: readonly string[],
  absent: readonly string[],
  dependencies: ReadonlySet<string>,
): { outcome: string; broken: string[] } {
  const broken: string[] = [];
  if (loaded.present.length > 0) {
    broken.push(`found ${loaded.present.join(', ')}, which the project did not install`);
  }
  // The root is framework-neutral: only its own dependencies. A subpath may load its peers too.
  const allowed = (name: string) =>
    name === 'session-limiter' ||
    dependencies.has(name) ||
    (subpath !== '.' && peers.includes(name));
  const strangers = loaded.packages.filter((name) => !allowed(name));
  if (strangers.length > 0) broken.push(`loaded ${strangers.join(', ')}`);
  const others = loaded.packages.filter((name) => name !== 'session-limiter');
  const loads = `loads${others.length > 0 ? ` (with ${others.join(', ')})` : ''}`;
  if (!loaded.error) return { outcome: loads, broken };

  const { code = 'an error', message } = loaded.error;
  const missing = /^Cannot find package '([^']+)'/.exec(message)?.[1];
  if (code !== 'ERR_MODULE_NOT_FOUND' || !absent.includes(missing ?? '')) {
    broken.push(`failed: ${code}: ${message}`);
  }
  if (HONO_APP_NEEDS.includes(subpath)) broken.push('a Hono app needs it, and it failed to load');
  return { outcome: `throws ${code}: ${message.replace(/ imported from .*/, '')}`, broken };
}

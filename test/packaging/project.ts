// The packaging test's project: the library built and packed as npm would publish it, then
// installed from the tarball into a new project of its own, outside the repository, next to the
// few packages a Hono user on Node has (at the versions the repository's lock file pins).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONSUMER = fileURLToPath(new URL('consumer/', import.meta.url));

/** What the consumer installs beside the tarball: its framework, and what type-checks it. */
export const CONSUMER_PACKAGES = ['hono', 'typescript', '@types/node'] as const;

/** The fields of a package.json this test reads. */
export interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  exports?: Record<string, unknown>;
}

/** A finished command: its exit code and output. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end without a shell. The `npm_*` variables of an enclosing `npm run` are
 * left out, so an npm started here works on its own directory, never on the repository's.
 */
export function run(command: string, args: readonly string[], cwd: string): Promise<Ran> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${command} did not run to its end: ${error.message}`, { cause: error }));
      } else {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      }
    });
  });
}

/** Like {@link run}, but a failure throws with the command's output. */
export async function mustRun(command: string, args: readonly string[], cwd: string) {
  const ran = await run(command, args, cwd);
  if (ran.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${ran.code}:\n${ran.stdout}${ran.stderr}`,
    );
  }
  return ran;
}

export function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

/** Runs `npm run build` unless dist/ is newer than every source and build setting. */
export async function buildIfStale(): Promise<'built' | 'up to date'> {
  const built = join(ROOT, 'dist/index.js');
  const sources = [
    ...listFiles(join(ROOT, 'src')),
    ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => join(ROOT, f)),
  ];
  const newest = Math.max(...sources.map((file) => statSync(file).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs > newest) return 'up to date';
  await mustRun('npm', ['run', 'build'], ROOT);
  return 'built';
}

/** `npm pack` into `dir`: the tarball's path, size and number of files. */
export async function pack(dir: string): Promise<{ file: string; size: number; files: number }> {
  const { stdout } = await mustRun('npm', ['pack', '--json', '--pack-destination', dir], ROOT);
  const [packed] = JSON.parse(stdout) as { filename: string; size: number; entryCount: number }[];
  if (!packed) throw new Error(`npm pack said nothing about a tarball: ${stdout}`);
  return { file: join(dir, packed.filename), size: packed.size, files: packed.entryCount };
}

/**
 * Creates the consumer project in `dir` (ESM, the files of consumer/) and installs the tarball
 * and {@link CONSUMER_PACKAGES} in one `npm install`; answers what it asked for.
 */
export async function install(tarball: string, dir: string): Promise<Record<string, string>> {
  cpSync(CONSUMER, dir, { recursive: true });
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const dependencies: Record<string, string> = { 'session-limiter': `file:${tarball}` };
  for (const name of CONSUMER_PACKAGES) {
    const version = lock.packages[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`package-lock.json pins no version of ${name}`);
    dependencies[name] = version;
  }
  const manifest = { name: 'hono-app', private: true, type: 'module', dependencies };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const flags = ['--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'];
  await mustRun('npm', ['install', ...flags], dir);
  return dependencies;
}

/** Every package under the project's node_modules, nested ones too. */
export function installedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  const walk = (modules: string, scope = '') => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      if (!scope && entry.startsWith('@')) {
        walk(join(modules, entry), `${entry}/`);
        continue;
      }
      names.add(scope + entry);
      walk(join(modules, entry, 'node_modules'));
    }
  };
  walk(join(dir, 'node_modules'));
  return names;
}

/** The named packages and, transitively, their dependencies, as installed in the project. */
export function dependencyClosure(dir: string, names: Iterable<string>): Set<string> {
  const closure = new Set<string>();
  const visit = (name: string, from: string) => {
    if (closure.has(name)) return;
    const nested = join(from, 'node_modules', name);
    const home = existsSync(nested) ? nested : join(dir, 'node_modules', name);
    if (!existsSync(home)) return;
    closure.add(name);
    for (const dependency of Object.keys(
      readManifest(join(home, 'package.json')).dependencies ?? {},
    )) {
      visit(dependency, home);
    }
  };
  for (const name of names) visit(name, dir);
  return closure;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((entry) => join(dir, entry))
    .filter((file) => statSync(file).isFile());
}

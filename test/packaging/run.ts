// `npm run test:packaging`: what a Hono user gets from npm. Packs the library (building it first
// when dist/ is older than the sources), installs the tarball beside hono alone into a new
// project outside the repository, and checks there that no other framework came with it, that a
// Hono app answers real requests, that every subpath loads or names the peer it lacks, and that
// the public types type-check strictly. Prints the time each step took; exits 1 on any failure,
// keeping the project for a look.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHonoApp, checkInstalled, checkTypes, type Finding } from './checks.js';
import { buildIfStale, install, installedPackages, pack, readManifest } from './project.js';
import { checkSubpaths } from './subpaths.js';

const started = performance.now();
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Runs one step and prints how long it took. */
async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  const since = performance.now();
  const result = await work();
  console.log(`${name} (${seconds(since)})`);
  return result;
}

const dir = mkdtempSync(join(tmpdir(), 'session-limiter-packaging-'));
const app = join(dir, 'hono-app');
let failed = false;

/** Runs one check: prints what it found, or each rule it broke. */
async function check(name: string, work: () => Finding | Promise<Finding>): Promise<void> {
  const since = performance.now();
  const { detail, problems } = await work();
  failed ||= problems.length > 0;
  console.log(`\n${problems.length > 0 ? 'FAIL' : 'ok'}  ${name} (${seconds(since)})`);
  for (const line of [...detail, ...problems.map((problem) => `BROKEN: ${problem}`)]) {
    console.log(`      ${line.replaceAll('\n', '\n      ')}`);
  }
}

try {
  const build = await step('build', buildIfStale);
  console.log(`      dist/ ${build}`);
  const tarball = await step('npm pack', () => pack(dir));
  console.log(
    `      ${tarball.file}: ${tarball.files} files, ${Math.round(tarball.size / 1024)} kB`,
  );
  const asked = await step('npm install', () => install(tarball.file, app));
  const beside = Object.entries(asked).filter(([name]) => name !== 'session-limiter');
  console.log(
    `      the tarball, ${beside.map(([name, version]) => `${name}@${version}`).join(', ')}`,
  );
  const manifest = readManifest(join(app, 'node_modules/session-limiter/package.json'));
  const installed = installedPackages(app);

  await check(
    'installed: the tarball and hono, no other framework, store client or auth library',
    () => checkInstalled(manifest, installed),
  );
  await check('a Hono app on the installed package answers real requests', () => checkHonoApp(app));
  await check('every subpath loads, or fails naming the optional peer it needs', () =>
    checkSubpaths(app, manifest, installed),
  );
  await check('the public types type-check (strict, nodenext, skipLibCheck off)', () =>
    checkTypes(app),
  );
} catch (error) {
  failed = true;
  console.error(error);
}

if (failed) {
  console.log(`\npackaging test FAILED in ${seconds(started)}; the project is kept in ${app}`);
  process.exitCode = 1;
} else {
  rmSync(dir, { recursive: true, force: true });
  console.log(`\npackaging test passed in ${seconds(started)}`);
}

// `node load.js <specifier> <peer>...`: imports the specifier in a fresh process and prints, as
// JSON, whether it loaded (or the error it threw) and every package it loaded from node_modules;
// first it checks that none of the given peers can be found from this project.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [specifier, ...peers] = process.argv.slice(2);
const present = peers.filter((peer) => {
  try {
    import.meta.resolve(peer);
    return true;
  } catch (error) {
    return error.code !== 'ERR_MODULE_NOT_FOUND';
  }
});

const dir = mkdtempSync(join(tmpdir(), 'session-limiter-load-'));
const record = join(dir, 'urls');
writeFileSync(record, '');
register('./record-urls.js', import.meta.url, { data: { record } });
let error;
try {
  await import(specifier);
} catch (thrown) {
  error = { code: thrown.code, message: String(thrown.message).split('\n')[0] };
}
const urls = readFileSync(record, 'utf8').split('\n').filter(Boolean);
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ specifier, present, error, packages: packagesOf(urls) }));

/** The names of the packages under node_modules that these module URLs belong to. */
function packagesOf(urls) {
  const names = new Set();
  for (const url of urls) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(url);
    if (match) names.add(decodeURIComponent(match[1]));
  }
  return [...names].sort();
}

// Where a CPU profile's time goes: the functions with the most self time, the files (or
// packages) they live in, and this package's functions by inclusive time. For the profiles the
// HTTP rows write with BENCH_CPU_PROF=<dir> (see bench/README.md), or any `node --cpu-prof` one.
//
//   npx tsx bench/profile.ts <file.cpuprofile> [--top 20]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '20' } },
  allowPositionals: true,
});
if (positionals.length !== 1) {
  console.error('usage: npx tsx bench/profile.ts <file.cpuprofile> [--top 20]');
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);

/** A function's name and place, e.g. `handle dist/adapters/express.js:390`. */
function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${place(url)}${url ? `:${lineNumber + 1}` : ''}`;
}

/** A file's short place: this package's path, a dependency's package, or a Node module. */
function place(url: string): string {
  if (!url) return '(native)';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  const own = /\/((?:dist|src|bench)\/.*)$/.exec(url);
  return own ? own[1]! : url.replace(/^file:\/\//, '');
}

const self = new Map<string, number>();
const files = new Map<string, number>();
const inclusive = new Map<string, number>();
// Time the process spent waiting is no one's cost.
const busy = profile.samples.filter((id) => byId.get(id)!.callFrame.functionName !== '(idle)');
for (const id of busy) {
  const node = byId.get(id)!;
  self.set(frameName(node), (self.get(frameName(node)) ?? 0) + 1);
  files.set(place(node.callFrame.url), (files.get(place(node.callFrame.url)) ?? 0) + 1);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!;
    if (!/\/(dist|src)\//.test(frame.callFrame.url) || /node_modules/.test(frame.callFrame.url)) {
      continue;
    }
    const name = frameName(frame);
    if (!seen.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
    seen.add(name);
  }
}

const total = busy.length;
const print = (title: string, counts: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((count / total) * 100).toFixed(1).padStart(6)}%  ${name}`);
  }
};
console.log(`${total} busy samples of ${profile.samples.length}`);
print('self time by function', self);
print('self time by file or package', files);
print("this package's functions, inclusive time", inclusive);

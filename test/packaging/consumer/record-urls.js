// Module hooks for load.js: appends the URL of every module Node loads to a file, so the parent
// can tell which packages an import pulled in. Written at once: the file is complete by the time
// the import settles.
import { appendFileSync } from 'node:fs';

let record;

export function initialize(data) {
  record = data.record;
}

export async function load(url, context, nextLoad) {
  appendFileSync(record, `${url}\n`);
  return nextLoad(url, context);
}

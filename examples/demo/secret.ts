import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The JWT signing secret kept in the data directory, made on first use, so every demo process
 * on this machine signs and checks tokens with the same one. Created by writing a temporary
 * file and linking it into place: two processes starting at once agree on one secret.
 */
export async function loadSecret(directory: string): Promise<string> {
  const file = join(directory, 'jwt-secret');
  const existing = await readIfPresent(file);
  if (existing) return existing;
  await mkdir(directory, { recursive: true });
  const temporary = `${file}.${String(process.pid)}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, randomBytes(48).toString('base64url'), { mode: 0o600 });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  return readFile(file, 'utf8');
}

async function readIfPresent(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

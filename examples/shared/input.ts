// Reading the examples' JSON bodies, after the framework has parsed them.
import { badRequest } from './answers.js';

/** A parsed JSON body that must be an object, or a 400 that says what to send. */
export function jsonObject(body: unknown, example: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`Send a JSON object with Content-Type: application/json, such as ${example}.`);
  }
  return body as Record<string, unknown>;
}

/** A string field of a JSON body, checked for type and length. */
export function stringField(
  body: Record<string, unknown>,
  name: string,
  { required, max }: { required: boolean; max: number },
): string | undefined {
  const value = body[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw badRequest(`"${name}" must be a non-empty string.`);
  }
  if (value.length > max) throw badRequest(`"${name}" must be at most ${max} characters.`);
  return value;
}

/** What a sign-in sends: to `/api/login` and to `/api/token`. */
export interface Credentials {
  username: string;
  password: string;
  replace: string | undefined;
}

export function readCredentials(body: unknown): Credentials {
  const object = jsonObject(body, '{"username":"alice","password":"alice"}');
  const username = stringField(object, 'username', { required: true, max: 64 }) ?? '';
  const password = stringField(object, 'password', { required: true, max: 256 }) ?? '';
  const replace = stringField(object, 'replace', { required: false, max: 128 });
  return { username, password, replace };
}

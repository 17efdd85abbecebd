// session-limiter/client as published: built by its own project (DOM types, no Node types), at
// most 8 KB, importing nothing, and exported as ./client with its types.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const LIMIT_BYTES = 8 * 1024;

/** Builds src/client exactly as `npm run build` does, into memory. */
function buildClient(): { files: Map<string, string>; errors: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile(
    `${root}src/client/tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('cannot read src/client/tsconfig.json');
  const program = ts.createProgram(config.fileNames, config.options);
  const files = new Map<string, string>();
  const result = program.emit(undefined, (name, text) => files.set(name.slice(root.length), text));
  const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  );
  return { files, errors };
}

describe('session-limiter/client', () => {
  let built: ReturnType<typeof buildClient>;
  beforeAll(() => {
    built = buildClient();
  });

  it('builds without errors with the DOM types and no Node types', () => {
    expect(built.errors).toEqual([]);
    expect([...built.files.keys()].sort()).toEqual([
      'dist/client/index.d.ts',
      'dist/client/index.d.ts.map',
      'dist/client/index.js',
      'dist/client/index.js.map',
    ]);
  });

  it(`is at most ${LIMIT_BYTES} bytes unminified`, () => {
    const js = built.files.get('dist/client/index.js') ?? '';
    expect(js).toContain('export function watchSession');
    expect(Buffer.byteLength(js)).toBeLessThanOrEqual(LIMIT_BYTES);
  });

  it('imports nothing, statically or dynamically', () => {
    const js = built.files.get('dist/client/index.js') ?? '';
    const { importedFiles } = ts.preProcessFile(js, true, true);
    expect(importedFiles.map((f) => f.fileName)).toEqual([]);
    expect(js).not.toMatch(/\brequire\(/);
  });

  it('is the ./client subpath export, with its types', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(pkg.exports['./client']).toEqual({
      types: './dist/client/index.d.ts',
      default: './dist/client/index.js',
    });
  });
});

import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every export of every public entry point has JSDoc with an @example.
const ENTRY_POINTS = [
  'src/index.ts',
  'src/stores/sqlite/index.ts',
  'src/stores/redis/index.ts',
  'src/stores/postgres/index.ts',
  'src/adapters/express.ts',
  'src/adapters/koa.ts',
  'src/adapters/fastify.ts',
  'src/adapters/nestjs/index.ts',
  'src/adapters/fetch.ts',
  'src/adapters/hono.ts',
  'src/jwt/index.ts',
  'src/client/index.ts',
  'src/integrations/better-auth.ts',
  'src/integrations/authjs.ts',
  'src/integrations/idp.ts',
];
const root = fileURLToPath(new URL('../../', import.meta.url));
const files = ENTRY_POINTS.map((entry) => root + entry);
const program = ts.createProgram(files, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
});
const checker = program.getTypeChecker();

function undocumented(entry: string): string[] {
  const source = program.getSourceFile(root + entry);
  if (!source) throw new Error(`cannot read ${entry}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`${entry} exports nothing`);
  const missing: string[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const tags = symbol.getJsDocTags(checker);
    const docs = ts.displayPartsToString(symbol.getDocumentationComment(checker));
    if (!docs || !tags.some((tag) => tag.name === 'example')) missing.push(exported.name);
  }
  return missing;
}

describe('public API documentation', () => {
  for (const entry of ENTRY_POINTS) {
    it(`${entry}: every export has JSDoc with an @example`, () => {
      expect(undocumented(entry)).toEqual([]);
    });
  }
});

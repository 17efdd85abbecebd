import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bun and Deno: `npm run test:runtimes` (vitest.runtimes.config.ts).
    exclude: [...configDefaults.exclude, 'test/runtimes/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

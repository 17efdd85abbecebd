import { defineConfig } from 'vitest/config';

// `npm run test:runtimes`: the examples on Bun and Deno, which must be on the PATH.
export default defineConfig({
  test: {
    include: ['test/runtimes/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});

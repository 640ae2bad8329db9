import { defineConfig } from 'vitest/config';

// Three projects: pure unit tests, the seeded simulation (test/sim, `npm run sim`
// for more seeds), and integration tests against the real service stack
// (scripts/services up), which a global setup checks before anything runs.
export const config = defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Some unit tests start a floe process or a Parquet encoder thread; on a
          // busy 2-core machine that alone can take seconds. No test asserts a time.
          testTimeout: 30_000,
        },
      },
      {
        // The seeded simulation (test/sim): 1,000 seeds on two threads.
        test: {
          name: 'sim',
          include: ['test/sim/**/*.test.ts'],
          testTimeout: 900_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/require-services.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads the config's default export
export default config;

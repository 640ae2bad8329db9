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
          // Two files at a time: most of an integration test is waiting (commit
          // intervals, group sessions, readers starting), so two overlap well on two
          // cores; every test names its own topics, groups and tables (uniqueName).
          // Session 14: 1,313 s against 1,887 s one at a time.
          fileParallelism: true,
          maxWorkers: 2,
          // Its own group: projects of one group must share maxWorkers.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads the config's default export
export default config;

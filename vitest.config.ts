import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests, and integration tests against the real service
// stack (scripts/services up), which a global setup checks before anything runs.
export const config = defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
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

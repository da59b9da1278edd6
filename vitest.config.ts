import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts its own sandbox on ephemeral loopback ports; files may run in parallel.
    pool: 'forks',
    // Under CI also write a JSON report, from which .ci/run prints a one-line summary.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: process.env.CI ? { json: '.vitest-report.json' } : undefined,
  },
});

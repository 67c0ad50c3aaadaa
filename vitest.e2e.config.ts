import { defineConfig } from 'vitest/config'

// Browser end-to-end tests: real Chromium through playwright-core, several
// browser contexts as several people. Run inside the private network
// namespace by `npm run test:e2e` (scripts/in-private-network.mjs).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two files at once: most of a browser test is waiting (on the network,
    // on timers), so two at once keep two cores busy where one file left
    // them idle: on a two-core machine the suite took 13.2 minutes one file
    // at a time and 6.9 two at a time, with more tests. Every file makes its
    // own trackers, relay, servers (on free ports) and Chromium, so files
    // share nothing.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks'
  }
})

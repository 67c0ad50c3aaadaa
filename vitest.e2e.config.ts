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
    fileParallelism: false,
    pool: 'forks'
  }
})

import { defineConfig } from 'vitest/config'

// Browser tests across NATs and a TURN relay: run only by `npm run
// test:network` (scripts/test-network.mjs), which builds the network first.
export default defineConfig({
  test: {
    include: ['tests/network/**/*.network.test.ts'],
    environment: 'node',
    setupFiles: ['./tests/unit/setup-crypto.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks'
  }
})

import { defineConfig } from 'vitest/config'

// Unit tests: plain Node with fake-indexeddb; no browser, no network.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['fake-indexeddb/auto', './tests/unit/setup-crypto.ts', './tests/unit/setup-no-public-sockets.ts'],
    testTimeout: 20_000,
    // Vitest's default is one worker fewer than the cores: on a two-core CI
    // machine that is one file at a time, 306 s for the suite. Two at once.
    maxWorkers: 2
  }
})

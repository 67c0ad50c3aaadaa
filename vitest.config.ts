import { defineConfig } from 'vitest/config'

// Unit tests: plain Node with fake-indexeddb; no browser, no network.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['fake-indexeddb/auto', './tests/unit/setup-crypto.ts', './tests/unit/setup-no-public-sockets.ts'],
    testTimeout: 20_000
  }
})

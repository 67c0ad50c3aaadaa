import { describe, it } from 'vitest'
import { transportContract } from '../contract/transport-contract'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'

// The shared Transport contract (also run against real WebRTC in tests/e2e),
// here against the in-memory pair.
describe('transport contract: memory pair', () => {
  for (const [name, run] of Object.entries(transportContract)) {
    it(name, async () => {
      await run(async () => createMemoryTransportPair())
    })
  }
})

// The Devices API hands out a linking session at once while its code
// (node-tab/linking/new-device.ts) loads: the session must show the real
// one's states, pass restart/cancel on, keep a cancel made while loading,
// and say in words when the code could not load.
import { describe, expect, it } from 'vitest'
import { LazyLinkingSession, PREPARING } from '../../client/api/lazy-linking'
import type { LinkingSession, LinkingState } from '../../shared/linking/linking-state'
import { waitFor } from './waiting'

class FakeSession extends EventTarget implements LinkingSession {
  state: LinkingState = { step: 'waiting', codeText: 'CODE-1', expiresAt: 1 }
  restarts = 0
  cancels = 0
  confirms = 0
  confirm (): void { this.confirms++ }
  restart (): void { this.restarts++; this.set({ step: 'waiting', codeText: `CODE-${this.restarts + 1}`, expiresAt: 2 }) }
  cancel (): void { this.cancels++; this.set({ step: 'failed', message: 'Linking was cancelled.' }) }
  set (state: LinkingState): void { this.state = state; this.dispatchEvent(new Event('change')) }
}

function deferred<T> (): { promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void } {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

describe('a linking session whose code loads on demand', () => {
  it('waits without a code, then shows and follows the real session', async () => {
    const load = deferred<LinkingSession>()
    const lazy = new LazyLinkingSession(() => load.promise)
    expect(lazy.state).toEqual(PREPARING)
    const inner = new FakeSession()
    let changes = 0
    lazy.addEventListener('change', () => changes++)
    load.resolve(inner)
    await waitFor(() => lazy.state.step === 'waiting' && lazy.state.codeText === 'CODE-1')
    lazy.restart()
    expect(inner.restarts).toBe(1)
    lazy.confirm()
    expect(inner.confirms).toBe(1)
    expect(lazy.state).toEqual({ step: 'waiting', codeText: 'CODE-2', expiresAt: 2 })
    inner.set({ step: 'linked', ownerAddress: 'Kabc' })
    expect(lazy.state).toEqual({ step: 'linked', ownerAddress: 'Kabc' })
    expect(changes).toBe(3)
  })

  it('a cancel while the code loads is kept: the real session is cancelled as soon as it exists', async () => {
    const load = deferred<LinkingSession>()
    const lazy = new LazyLinkingSession(() => load.promise)
    lazy.cancel()
    expect(lazy.state).toEqual({ step: 'failed', message: 'Linking was cancelled.' })
    const inner = new FakeSession()
    load.resolve(inner)
    await waitFor(() => inner.cancels === 1)
    expect(lazy.state.step).toBe('failed')
  })

  it('says in words when the linking code cannot load', async () => {
    const lazy = new LazyLinkingSession(() => Promise.reject(new Error('Failed to fetch dynamically imported module')))
    await waitFor(() => lazy.state.step === 'failed')
    expect(lazy.state).toEqual({ step: 'failed', message: 'Linking could not start: Failed to fetch dynamically imported module. Check the connection and reload the page.' })
    lazy.restart() // nothing to restart: no throw
  })
})

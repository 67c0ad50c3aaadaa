// NodeIdentity (node-tab/identity/node-identity.ts): the person this node
// acts for. Its checks run once however many ask; a damaged stored identity
// stops the node with words for the owner; the identity's key pair is handed
// out only on a full device, only once its checks could run, never after
// they failed.
import { describe, expect, it, vi } from 'vitest'
import * as crypto from '../../../shared/crypto/crypto'
import { addressFromPublicKey, createIdentity } from '../../../shared/identity/identity'
import { NodeIdentity } from '../../../node-tab/identity/node-identity'
import { expectSentence } from '../store-fixtures'
import { fullDevice, serverDeviceOf } from './identities'

vi.mock('../../../shared/crypto/crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../shared/crypto/crypto')>()
  return { ...actual, cryptoLoaded: vi.fn(actual.cryptoLoaded) }
})

/** Hooks that count what they are asked to do. */
function counting () {
  const calls = { afterChecks: 0, failures: [] as Error[] }
  return {
    calls,
    hooks: {
      afterChecks: async () => { calls.afterChecks++ },
      onFailure: (err: Error) => { calls.failures.push(err) }
    }
  }
}

describe('NodeIdentity.verify', () => {
  it('runs its checks once: concurrent callers share one run, later callers its result', async () => {
    const { calls, hooks } = counting()
    const { stored } = await fullDevice()
    let release!: () => void
    const me = new NodeIdentity(stored, { ...hooks, afterChecks: () => { calls.afterChecks++; return new Promise<void>((resolve) => { release = resolve }) } })
    const first = me.verify()
    const second = me.verify()
    expect(second).toBe(first)
    await vi.waitFor(() => expect(calls.afterChecks).toBe(1))
    release()
    await Promise.all([first, second])
    await me.verify()
    expect(calls.afterChecks).toBe(1)
    expect(me.failure).toBeNull()
    expect(calls.failures).toEqual([])
  })

  it('a stored address that is not the key’s fails in words, calls onFailure once, and every later call refuses with it', async () => {
    const { calls, hooks } = counting()
    const { stored } = await fullDevice()
    const me = new NodeIdentity({ ...stored, address: addressFromPublicKey(createIdentity().publicKey) }, hooks)
    const err = await me.verify().then(() => null, (e: unknown) => e as Error)
    expect(err).toBeInstanceOf(Error)
    expectSentence(err!.message)
    expect(err!.message).toMatch(/damaged: its address does not match its key/)
    expect(calls.failures).toEqual([err])
    expect(me.failure).toBe(err)
    // Nothing the checks guard ran.
    expect(calls.afterChecks).toBe(0)
    await expect(me.verify()).rejects.toBe(err)
    expect(() => me.signing()).toThrow(err!)
  })

  it('a key pair whose halves do not match fails the same way', async () => {
    const { calls, hooks } = counting()
    const { stored } = await fullDevice()
    const damaged = { ...stored, signing: { publicKey: stored.signing!.publicKey, secretKey: createIdentity().secretKey } }
    const me = new NodeIdentity(damaged, hooks)
    await expect(me.verify()).rejects.toThrow(/damaged: its secret key does not match its public key/)
    expect(calls.failures).toHaveLength(1)
  })

  it('a failure of what runs after the checks stops the node too', async () => {
    const { calls, hooks } = counting()
    const { stored } = await fullDevice()
    const me = new NodeIdentity(stored, { ...hooks, afterChecks: async () => { throw new Error('The devices could not be read.') } })
    await expect(me.verify()).rejects.toThrow('The devices could not be read.')
    expect(calls.failures.map((e) => e.message)).toEqual(['The devices could not be read.'])
  })
})

describe('NodeIdentity.signing', () => {
  it('returns the identity’s key pair on a full device, even before verify() (checking the keys itself)', async () => {
    const { stored } = await fullDevice()
    const me = new NodeIdentity(stored, counting().hooks)
    const signing = me.signing()
    expect(signing).toBe(stored.signing)
    expect(me.holdsSigningKey).toBe(true)
  })

  it('before verify(), a damaged key pair is refused at the first signing and stops the node', async () => {
    const { calls, hooks } = counting()
    const { stored } = await fullDevice()
    const me = new NodeIdentity({ ...stored, signing: { publicKey: stored.signing!.publicKey, secretKey: createIdentity().secretKey } }, hooks)
    expect(() => me.signing()).toThrow(/damaged/)
    expect(calls.failures).toHaveLength(1)
    expect(me.failure?.message).toMatch(/damaged/)
    // The same failure from now on, and verify() agrees.
    expect(() => me.signing()).toThrow(me.failure!)
    await expect(me.verify()).rejects.toBe(me.failure)
  })

  it('refuses, in words, while the cryptography code has not loaded; works once it has', async () => {
    const { stored } = await fullDevice()
    const me = new NodeIdentity(stored, counting().hooks)
    vi.mocked(crypto.cryptoLoaded).mockReturnValueOnce(false)
    const err = (() => { try { me.signing(); return null } catch (e) { return e as Error } })()
    expect(err?.message).toBe('Kith is still checking its stored keys; try again in a moment.')
    // Not a failure of the identity: it is not stopped for it.
    expect(me.failure).toBeNull()
    expect(me.signing()).toBe(stored.signing)
  })

  it('is null on a server device, which holds no identity key', async () => {
    const server = await serverDeviceOf(await fullDevice())
    expect(server.me.holdsSigningKey).toBe(false)
    expect(server.me.signing()).toBeNull()
    await server.me.verify()
    expect(server.me.signing()).toBeNull()
  })
})

describe('NodeIdentity.role', () => {
  it('is full for a first device and server for a linked server device, before and after verify()', async () => {
    const full = await fullDevice()
    const server = await serverDeviceOf(full)
    expect(full.me.role).toBe('full')
    expect(server.me.role).toBe('server')
    await Promise.all([full.me.verify(), server.me.verify()])
    expect(full.me.role).toBe('full')
    expect(server.me.role).toBe('server')
    // The same person, another device.
    expect(server.me.keyHex).toBe(full.me.keyHex)
    expect(server.me.address).toBe(full.me.address)
    expect(server.me.deviceHex).not.toBe(full.me.deviceHex)
  })
})

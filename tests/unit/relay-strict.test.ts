// The test relay's strict mode (what public relays enforce), driven by raw
// WebSocket clients so every rule is hit exactly: a message of 64 KiB or
// more drops the socket, so does a burst over the rate limit, and deletion
// requests are accepted and ignored. Ephemeral events are passed on and
// never stored.
import { once } from 'node:events'
import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure'
import { MAX_MESSAGE_BYTES, RATE_BURST, startRelay, type RunningRelay } from '../../scripts/lib/relay-server.mjs'
import { cleanupsAfterEach } from './cleanups'
import { waitFor } from './waiting'

const cleanups = cleanupsAfterEach()

async function relay (strict = true): Promise<RunningRelay> {
  const r = await startRelay({ strict, quiet: true })
  cleanups.push(() => r.close())
  return r
}

interface Client { socket: WebSocket, received: unknown[][], closed: () => boolean }

async function client (r: RunningRelay): Promise<Client> {
  const socket = new WebSocket(r.url)
  const received: unknown[][] = []
  let closed = false
  socket.on('message', (data) => received.push(JSON.parse(data.toString()) as unknown[]))
  socket.on('close', () => { closed = true })
  socket.on('error', () => {})
  cleanups.push(() => socket.terminate())
  await once(socket, 'open')
  return { socket, received, closed: () => closed }
}

const now = (): number => Math.floor(Date.now() / 1000)
const event = (kind: number, content = 'x', tags: string[][] = [], key = generateSecretKey()) => finalizeEvent({ kind, created_at: now(), tags, content }, key)
const okFor = (c: Client, id: string): unknown[] | undefined => c.received.find((m) => m[0] === 'OK' && m[1] === id)

describe('the test relay, strict', () => {
  it('drops a socket that sends a message of 64 KiB or more', async () => {
    const r = await relay()
    const c = await client(r)
    c.socket.send(JSON.stringify(['EVENT', event(1, 'x'.repeat(MAX_MESSAGE_BYTES))]))
    await waitFor(() => c.closed())
    expect(r.violations.join()).toMatch(/bytes/)
  })

  it('drops a socket that floods it past the rate limit, and not one that keeps within it', async () => {
    const r = await relay()
    const calm = await client(r)
    for (let i = 0; i < RATE_BURST - 5; i++) calm.socket.send(JSON.stringify(['REQ', `s${i}`, { kinds: [25050], '#t': ['x'] }]))
    const flood = await client(r)
    for (let i = 0; i < RATE_BURST + 20; i++) flood.socket.send(JSON.stringify(['REQ', `s${i}`, { kinds: [25050], '#t': ['x'] }]))
    await waitFor(() => flood.closed())
    expect(calm.closed()).toBe(false)
    expect(r.violations).toHaveLength(1)
  })

  it('ignores deletion requests, passes ephemeral events on and stores none of them', async () => {
    const r = await relay()
    const c = await client(r)
    const key = generateSecretKey()
    const note = event(1, 'kept', [], key)
    c.socket.send(JSON.stringify(['EVENT', note]))
    await waitFor(() => okFor(c, note.id) !== undefined)
    const deletion = event(5, '', [['e', note.id]], key)
    c.socket.send(JSON.stringify(['EVENT', deletion]))
    await waitFor(() => okFor(c, deletion.id) !== undefined)
    expect(r.stored().map((e) => e.id)).toContain(note.id)

    const listener = await client(r)
    listener.socket.send(JSON.stringify(['REQ', 'sub', { kinds: [25050], '#t': ['tag'] }]))
    await waitFor(() => listener.received.some((m) => m[0] === 'EOSE'))
    const ephemeral = event(25050, 'sealed', [['t', 'tag']])
    c.socket.send(JSON.stringify(['EVENT', ephemeral]))
    await waitFor(() => listener.received.some((m) => m[0] === 'EVENT' && (m[2] as { id: string }).id === ephemeral.id))
    expect(r.stored().map((e) => e.id)).not.toContain(ephemeral.id)
    expect(r.violations).toEqual([])
  })

  it('not strict: a deletion request deletes', async () => {
    const r = await relay(false)
    const c = await client(r)
    const key = generateSecretKey()
    const note = event(1, 'gone', [], key)
    c.socket.send(JSON.stringify(['EVENT', note]))
    await waitFor(() => okFor(c, note.id) !== undefined)
    const deletion = event(5, '', [['e', note.id]], key)
    c.socket.send(JSON.stringify(['EVENT', deletion]))
    await waitFor(() => okFor(c, deletion.id) !== undefined)
    expect(r.stored().map((e) => e.id)).not.toContain(note.id)
  })
})

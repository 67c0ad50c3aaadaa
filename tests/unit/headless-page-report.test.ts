// The page's side of the runner: only a page opened with the runner's token
// reports, every 2 s and at once on a change, in a shape the runner accepts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { holdRunnerReports, nodeReport, runnerPage, startNodeReports, startRunnerReports } from '../../client/boot/runner-report'
import type { KithNode } from '../../node-tab/node'
import { parseReport } from '../../scripts/lib/headless/report.mjs'
import { RUNNER_REPORT_PATH, RUNNER_TOKEN_HEADER, type RunnerReport } from '../../shared/runner/runner-report'

const token = '0123456789abcdef0123456789abcdef'

class FakeNode extends EventTarget {
  address = '3XR2kWUspjz3dvY3srBECgwW6aF9xngdRBWsK7buhei5bYMtogH'
  lastRejected: string | null = null
  peers = 0
  status () {
    return { trackers: [{ url: 'ws://a', state: 'open' }, { url: 'ws://b', state: 'backoff', lastError: 'refused' }], peers: this.peers, devices: 'no other devices' }
  }
}

interface Post { url: string, headers: Record<string, string>, report: RunnerReport }

function fakeFetch (): { posts: Post[], fetchImpl: typeof fetch, hold: () => () => void } {
  const posts: Post[] = []
  let gate: Promise<void> | null = null
  const fetchImpl = (async (url: string, init: RequestInit) => {
    posts.push({ url, headers: init.headers as Record<string, string>, report: JSON.parse(init.body as string) })
    if (gate) await gate
    return new Response(null, { status: 204 })
  }) as unknown as typeof fetch
  return {
    posts,
    fetchImpl,
    hold: () => { let open!: () => void; gate = new Promise((r) => { open = r }); return () => { gate = null; open() } }
  }
}

const flush = async (): Promise<void> => { for (let i = 0; i < 10; i++) await Promise.resolve() }

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers(); vi.unstubAllGlobals() })

describe('runner reports from the page', () => {
  it('finds the token only in a URL the runner made', () => {
    expect(runnerPage(`?runner=${token}&device=kitchen%20pi`)).toEqual({ token, deviceName: 'kitchen pi' })
    expect(runnerPage(`?runner=${token}`)).toEqual({ token, deviceName: null })
    expect(runnerPage(`?runner=${token}&owner=3XR2kWUspjz3dvY3srBECgwW6aF9xngdRBWsK7buhei5bYMtogH`)).toEqual({ token, deviceName: null, owner: '3XR2kWUspjz3dvY3srBECgwW6aF9xngdRBWsK7buhei5bYMtogH' })
    expect(runnerPage('')).toBeNull()
    expect(runnerPage('?runner=short')).toBeNull()
    expect(runnerPage(`?runner=${token.toUpperCase()}`)).toBeNull()
  })

  it('posts at once and every 2 s, with the token, to the runner’s path', async () => {
    const { posts, fetchImpl } = fakeFetch()
    const node = new FakeNode()
    const reports = startRunnerReports(() => nodeReport(node as unknown as KithNode, { token, deviceName: 'pi' }), { token, fetchImpl })
    await flush()
    expect(posts).toHaveLength(1)
    expect(posts[0]!.url).toBe(RUNNER_REPORT_PATH)
    expect(posts[0]!.headers[RUNNER_TOKEN_HEADER]).toBe(token)
    await vi.advanceTimersByTimeAsync(2000)
    await vi.advanceTimersByTimeAsync(2000)
    expect(posts).toHaveLength(3)
    reports.stop()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(posts).toHaveLength(3)
  })

  it('sends what the node knows today, in a shape the runner accepts', async () => {
    const node = new FakeNode()
    node.peers = 3
    node.lastRejected = 'a handshake failed:\nbad proof'
    const report = nodeReport(node as unknown as KithNode, { token, deviceName: 'pi' })
    expect(report).toEqual({
      address: node.address, linkCode: null, verificationCode: null, deviceName: 'pi',
      trackers: [{ url: 'ws://a', connected: true }, { url: 'ws://b', connected: false }],
      friendsOnline: 3, sync: 'no other devices', lastError: 'a handshake failed:\nbad proof'
    })
    const { posts, fetchImpl } = fakeFetch()
    startRunnerReports(() => report, { token, fetchImpl }).stop()
    await flush()
    // Fitted on the way out: the newline would be refused by the runner.
    expect(parseReport(posts[0]!.report)).toMatchObject({ lastError: 'a handshake failed: bad proof' })
  })

  it('names the device as it was approved (its certificate), not as the runner asked', () => {
    const node = Object.assign(new FakeNode(), { credentials: { certificate: { name: 'Kitchen Pi' } } })
    expect(nodeReport(node as unknown as KithNode, { token, deviceName: 'raspberrypi' }).deviceName).toBe('Kitchen Pi')
  })

  it('posts at once when told of a change, never two at a time', async () => {
    const { posts, fetchImpl, hold } = fakeFetch()
    let n = 0
    const release = hold()
    const reports = startRunnerReports(() => ({ ...nodeReport(new FakeNode() as unknown as KithNode, null), friendsOnline: n++ }), { token, fetchImpl })
    await flush()
    reports.changed()
    reports.changed()
    await flush()
    expect(posts).toHaveLength(1)
    release()
    await flush()
    // The changes that came during the first post go out once, after it.
    expect(posts).toHaveLength(2)
    expect(posts[1]!.report.friendsOnline).toBe(1)
    reports.stop()
  })

  it('posts nothing while a new version takes over, and goes on after', async () => {
    const { posts, fetchImpl } = fakeFetch()
    const reports = startRunnerReports(() => nodeReport(new FakeNode() as unknown as KithNode, null), { token, fetchImpl })
    await flush()
    expect(posts).toHaveLength(1)
    holdRunnerReports(5000)
    reports.changed()
    await vi.advanceTimersByTimeAsync(4000)
    expect(posts).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(2000)
    expect(posts).toHaveLength(2)
    reports.stop()
    holdRunnerReports(0) // the hold is the module's: none for the next test
  })

  it('follows the node’s changes and takes the link state from update()', async () => {
    const { posts, fetchImpl } = fakeFetch()
    vi.stubGlobal('fetch', fetchImpl)
    const node = new FakeNode()
    expect(startNodeReports(node as unknown as KithNode, null)).toBeNull()
    const reports = startNodeReports(node as unknown as KithNode, { token, deviceName: 'pi' })!
    await flush()
    node.peers = 2
    node.dispatchEvent(new Event('change'))
    await flush()
    expect(posts.at(-1)!.report.friendsOnline).toBe(2)
    reports.update({ linkCode: 'kith-link-abc', verificationCode: '123 456' })
    await flush()
    expect(posts.at(-1)!.report).toMatchObject({ linkCode: 'kith-link-abc', verificationCode: '123 456', friendsOnline: 2 })
    reports.stop()
    const before = posts.length
    node.dispatchEvent(new Event('change'))
    await vi.advanceTimersByTimeAsync(4000)
    expect(posts).toHaveLength(before)
  })
})

// One server per browser profile where Web Locks do not exist: over plain
// http on a LAN address the page is not a secure context, and without a
// lock a second tab started a second node on the same database. Tabs of
// one origin (so one profile's database) talk over a BroadcastChannel:
//   - a tab that wants to serve asks "who serves?" and waits; any answer
//     means another tab serves;
//   - two tabs asking at the same moment: the lower id waits no more, the
//     other gives up;
//   - the serving tab says so every few seconds; a tab that serves and
//     hears another that does (one was frozen while the other started) stops
//     if it claimed earlier: the newest claim wins, and only one serves.
//   - "Use this tab instead" claims at once and tells the serving tab to stop.
import type { NodeLock } from './node-lock'

export const CHANNEL_NAME = 'kith-node'
/** How often the serving tab says it serves. */
export const SERVING_EVERY_MS = 3000

type Message =
  | { kind: 'who', id: string }
  | { kind: 'serving', id: string, since: number }
  | { kind: 'steal', id: string, since: number }

function isMessage (v: unknown): v is Message {
  if (typeof v !== 'object' || v === null) return false
  const m = v as Record<string, unknown>
  return typeof m.id === 'string' && (m.kind === 'who' || ((m.kind === 'serving' || m.kind === 'steal') && typeof m.since === 'number'))
}

export interface ChannelLockOptions {
  steal?: boolean
  waitMs: number
  channel?: BroadcastChannel
  now?: () => number
  id?: string
}

export function claimOverChannel (opts: ChannelLockOptions): Promise<NodeLock | null> {
  const channel = opts.channel ?? new BroadcastChannel(CHANNEL_NAME)
  const now = opts.now ?? Date.now
  const id = opts.id ?? crypto.getRandomValues(new Uint32Array(2)).join('-')
  let since = now()
  let serving = false
  let lostNow = (): void => {}
  const lost = new Promise<void>((resolve) => { lostNow = resolve })
  let timer: ReturnType<typeof setInterval> | null = null
  const send = (m: Message): void => channel.postMessage(m)

  const stop = (): void => {
    if (timer) clearInterval(timer)
    timer = null
    serving = false
    channel.close()
  }
  const serve = (): NodeLock => {
    serving = true
    since = Math.max(since, now())
    send({ kind: 'serving', id, since })
    timer = setInterval(() => send({ kind: 'serving', id, since }), SERVING_EVERY_MS)
    return { lost, release: stop }
  }

  return new Promise((resolve) => {
    let waiting = true
    let outcome: ((lock: NodeLock | null) => void) | null = resolve
    const settle = (lock: NodeLock | null): void => { outcome?.(lock); outcome = null; waiting = false }
    channel.onmessage = (ev: MessageEvent) => {
      const m: unknown = ev.data
      if (!isMessage(m) || m.id === id) return
      if (serving) {
        if (m.kind === 'who') send({ kind: 'serving', id, since })
        // Another tab serves too, or takes over: the older claim stops.
        else if (m.kind === 'steal' || m.since > since || (m.since === since && m.id > id)) { stop(); lostNow() }
        return
      }
      if (!waiting) return
      if (m.kind === 'serving' || m.kind === 'steal') { stop(); settle(null) }
      // Two tabs asking at once: the lower id goes on. The other may not
      // have heard this tab ask (it opened its channel later): asked again.
      else if (m.kind === 'who' && m.id < id) { stop(); settle(null) } else if (m.kind === 'who') send({ kind: 'who', id })
    }
    if (opts.steal) {
      since = now()
      send({ kind: 'steal', id, since })
      settle(serve())
      return
    }
    send({ kind: 'who', id })
    setTimeout(() => { if (waiting) settle(serve()) }, opts.waitMs)
  })
}

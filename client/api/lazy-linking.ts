// A LinkingSession at once, whose code (node-tab/linking/new-device.ts: a
// listener, the handshake, RPC) loads only when linking starts, not with the
// app's first screen. Until the real session exists it waits without a code
// (codeText ''), and forwards restart/cancel to it once it does.
import type { LinkingSession, LinkingState } from '../../shared/linking/linking-state'

/** The state before the code is made: waiting, no code yet, not expiring. */
export const PREPARING: LinkingState = { step: 'waiting', codeText: '', expiresAt: Number.MAX_SAFE_INTEGER }

export class LazyLinkingSession extends EventTarget implements LinkingSession {
  private inner: LinkingSession | null = null
  private current: LinkingState = PREPARING
  private cancelled = false

  constructor (start: () => Promise<LinkingSession>) {
    super()
    start().then((inner) => {
      this.inner = inner
      inner.addEventListener('change', () => this.set(inner.state))
      if (this.cancelled) inner.cancel()
      else this.set(inner.state)
    }, (err: unknown) => {
      this.set({ step: 'failed', message: `Linking could not start: ${err instanceof Error ? err.message : String(err)}. Check the connection and reload the page.` })
    })
  }

  get state (): LinkingState { return this.current }

  restart (): void { this.inner?.restart() }

  confirm (): void { this.inner?.confirm() }

  cancel (): void {
    this.cancelled = true
    if (this.inner) this.inner.cancel()
    else this.set({ step: 'failed', message: 'Linking was cancelled.' })
  }

  private set (state: LinkingState): void {
    this.current = state
    this.dispatchEvent(new Event('change'))
  }
}

// Renders an element again on every 'change' of an EventTarget it shows (a
// linking session, an api), following the property if it is replaced, and
// listening only while the element is connected.
import type { ReactiveController, ReactiveControllerHost } from 'lit'

export class ChangeListener<T extends EventTarget> implements ReactiveController {
  private listening: T | null = null
  private connected = false
  private readonly onChange = (): void => { this.host.requestUpdate() }

  constructor (private readonly host: ReactiveControllerHost, private readonly getTarget: () => T | null | undefined) {
    host.addController(this)
  }

  hostConnected (): void {
    this.connected = true
    this.track()
  }

  hostDisconnected (): void {
    this.connected = false
    this.track()
  }

  hostUpdate (): void {
    this.track()
  }

  private track (): void {
    const want = this.connected ? this.getTarget() ?? null : null
    if (want === this.listening) return
    this.listening?.removeEventListener('change', this.onChange)
    want?.addEventListener('change', this.onChange)
    this.listening = want
  }
}

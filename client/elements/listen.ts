// Renders an element again on every 'change' of an EventTarget it shows (a
// linking session, an api), following the property if it is replaced, and
// listening only while the element is connected. ApiQuery builds on it.
// Also: one event of something that stays, listened to while connected.
import type { ReactiveController, ReactiveControllerHost } from 'lit'

export class ChangeListener<T extends EventTarget> implements ReactiveController {
  protected connected = false
  private listening: T | null = null
  private readonly onChange = (): void => { this.changed() }

  constructor (protected readonly host: ReactiveControllerHost, protected readonly getTarget: () => T | null | undefined) {
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

  /** Notices a new target before each render. */
  hostUpdate (): void {
    this.track()
  }

  /** On each 'change' of the target. */
  protected changed (): void {
    this.host.requestUpdate()
  }

  /** Called when the listened target changes (null: none, e.g. disconnected). */
  protected listened (_target: T | null): void {}

  protected track (): void {
    const want = this.connected ? this.getTarget() ?? null : null
    if (want === this.listening) return
    this.listening?.removeEventListener('change', this.onChange)
    want?.addEventListener('change', this.onChange)
    this.listening = want
    this.listened(want)
  }
}

/** Listens to one kind of event of `target()` (the window, the document, an
 *  api that stays) while `host` is connected. */
export function listenWhileConnected (host: ReactiveControllerHost, target: () => EventTarget, type: string, listener: () => void): void {
  host.addController(new ListenWhileConnected(target, type, listener))
}

class ListenWhileConnected implements ReactiveController {
  private listeningTo: EventTarget | null = null

  constructor (private readonly target: () => EventTarget, private readonly type: string, private readonly listener: () => void) {}

  hostConnected (): void {
    this.listeningTo = this.target()
    this.listeningTo.addEventListener(this.type, this.listener)
  }

  hostDisconnected (): void {
    this.listeningTo?.removeEventListener(this.type, this.listener)
    this.listeningTo = null
  }
}

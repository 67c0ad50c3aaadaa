// Keeps one piece of data from the KithApi (or another api that fires
// 'change', such as the DevicesApi) fresh for an element: loads it when
// the element is connected and again on every 'change' of the api, at most one
// load at a time (a burst of changes gives one more load, not one per event).
import type { ReactiveControllerHost } from 'lit'
import type { KithApi } from '../api/app-api'
import { plainError } from './format'
import { ChangeListener } from './listen'

export class ApiQuery<T, A extends EventTarget = KithApi> extends ChangeListener<A> {
  value: T | null = null
  error = ''
  private api: A | null = null
  private running = false
  private again = false
  /** Callers of reload() waiting for a load that starts after their call. */
  private waitingForNext: Array<() => void> = []

  constructor (
    host: ReactiveControllerHost,
    getApi: () => A | undefined,
    private readonly load: (api: A) => Promise<T>
  ) {
    super(host, getApi)
  }

  protected override changed (): void {
    this.refresh()
  }

  protected override listened (): void {
    this.kick()
  }

  /** Load again now (after my own change, or when asked to). */
  refresh (): void {
    void this.reload()
  }

  /** Load again; resolves once a load that began after this call is done,
   *  so the caller can drop its own "saving…" state without a flicker. */
  reload (): Promise<void> {
    const done = new Promise<void>((resolve) => this.waitingForNext.push(resolve))
    this.kick()
    return done
  }

  private kick (): void {
    if (!this.connected || !this.api) {
      this.release()
      return
    }
    if (this.running) {
      this.again = true
      return
    }
    void this.run()
  }

  protected override track (): void {
    const api = this.getTarget() ?? null
    if (api !== this.api) {
      this.api = api
      this.value = null
      this.error = ''
    }
    super.track()
  }

  private async run (): Promise<void> {
    this.running = true
    try {
      do {
        this.again = false
        const waiting = this.waitingForNext
        this.waitingForNext = []
        const api = this.api
        if (!api || !this.connected) {
          for (const resolve of waiting) resolve()
          break
        }
        try {
          const value = await this.load(api)
          if (api === this.api) {
            this.value = value
            this.error = ''
          }
        } catch (err) {
          if (api === this.api) this.error = plainError(err)
        }
        this.host.requestUpdate()
        for (const resolve of waiting) resolve()
      } while (this.again)
    } finally {
      this.running = false
      if (!this.connected || !this.api) this.release()
    }
  }

  private release (): void {
    const waiting = this.waitingForNext
    this.waitingForNext = []
    for (const resolve of waiting) resolve()
  }
}

// Who shared a tracker or a relay with me, in words: my friends' names, read
// once when the element connects ("shared by Alice, a former friend").
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { KithApi } from '../api/app-api'

export class SharedBy implements ReactiveController {
  private names = new Map<string, string>()

  constructor (private readonly host: ReactiveControllerHost, private readonly api: () => KithApi | undefined) {
    host.addController(this)
  }

  hostConnected (): void {
    void this.load()
  }

  private async load (): Promise<void> {
    // An element whose code came after the page rendered its tag (it loads
    // with its view) gets the properties set on it at its first update.
    await this.host.updateComplete
    const api = this.api()
    if (!api) return
    const friends = await api.listFriends().catch(() => [])
    this.names = new Map(friends.map((f) => [f.key, f.displayName || f.address.slice(0, 12) + '…']))
    this.host.requestUpdate()
  }

  /** "shared by" and the names of the friends `from` (their keys). */
  words (from: readonly string[] | undefined): string {
    return `shared by ${(from ?? []).map((k) => this.names.get(k) ?? 'a former friend').join(', ')}`
  }
}

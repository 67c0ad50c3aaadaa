// The mailbox as the node holds it: its code (and nostr-tools) loads on
// first use, which is after the first screen (the listener starting, or a
// change to share), never with it.
import type { LettersHandler, Mailbox, MailboxOptions } from './mailbox'

export class LazyMailbox {
  onLetters: LettersHandler | null = null
  onAcknowledged: ((friendKey: string, itemIds: string[]) => void) | null = null
  private loaded: Promise<Mailbox> | null = null
  private closed = false

  constructor (private readonly opts: MailboxOptions) {}

  /** See Mailbox.itemsChanged; nothing without relays. */
  async itemsChanged (itemIds: readonly string[]): Promise<number> {
    if (!this.wanted()) return 0
    return (await this.mailbox()).itemsChanged(itemIds)
  }

  /** See Mailbox.noticesChanged; nothing without relays. */
  async noticesChanged (itemIds: readonly string[]): Promise<number> {
    if (!this.wanted()) return 0
    return (await this.mailbox()).noticesChanged(itemIds)
  }

  /** See Mailbox.ask; nothing without relays. */
  async ask (owner: string, after: string | null): Promise<number> {
    if (!this.wanted()) return 0
    return (await this.mailbox()).ask(owner, after)
  }

  /** See Mailbox.retryPending; nothing without relays. */
  async retryPending (): Promise<number> {
    if (!this.wanted()) return 0
    return (await this.mailbox()).retryPending()
  }

  /** See Mailbox.read; nothing without relays. */
  async read (): Promise<number> {
    if (!this.wanted()) return 0
    return (await this.mailbox()).read()
  }

  /** See Mailbox.published: zero until the mailbox is first used. */
  async published (): Promise<{ events: number, bytes: number }> {
    if (!this.loaded) return { events: 0, bytes: 0 }
    return { ...(await this.loaded).published }
  }

  close (): void {
    this.closed = true
    void this.loaded?.then((m) => m.close())
  }

  private wanted (): boolean {
    return !this.closed && this.opts.relayUrls().length > 0
  }

  private mailbox (): Promise<Mailbox> {
    this.loaded ??= import('./mailbox').then(({ Mailbox }) => {
      const mailbox = new Mailbox(this.opts)
      mailbox.onLetters = (owner, letters, files) => this.onLetters?.(owner, letters, files) ?? Promise.resolve(undefined)
      mailbox.onAcknowledged = (friendKey, itemIds) => this.onAcknowledged?.(friendKey, itemIds)
      if (this.closed) mailbox.close()
      return mailbox
    })
    return this.loaded
  }
}

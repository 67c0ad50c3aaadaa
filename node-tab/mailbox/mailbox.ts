// The blind mailbox on relays (DESIGN §6c): what a friend may see of my
// text items, and what they must forget, waits for them on my relays while
// they are offline; when Kith opens, I read what my friends left for me:
// their items and "forget it" letters (my acknowledgement goes back the
// same way), their acknowledgements (confirming my deletions as a live one
// does), and their requests (answered by letters, mailbox-requests.ts).
// Letters taken, or no longer needed, are asked deleted (NIP-09,
// mailbox-withdraw.ts). Only while relays are configured, and only a device
// that signs for the person writes letters (a full device; after a rotation
// one holding Sₙ: `signer`). A file up to 1 MiB travels with its item's bundle as
// chunk events (mailbox-files.ts); a larger one waits for a live session.
//
// Cost: new and edited items go in bundles (mailbox-bundles.ts): the items
// sealed once, and a small wrap per friend who may see them, 50 wraps to an
// event: a post for 250 friends is 1 + 5 events on each relay, whatever
// the audience a bounded number. "Forget it" letters, acknowledgements,
// requests and answers stay one letter per friend (docs/networks.md "Cost").
import type { Event } from 'nostr-tools/pure'
import { canSee } from '../storage/access-policy'
import type { ItemRow, NodeDatabase } from '../storage/db'
import { deliveryTables, recordDeliveries } from '../storage/deliveries'
import { fromHex, toHex } from '../../shared/util/bytes'
import { loadViewers } from '../storage/revoke'
import type { NodeIdentity } from '../identity/node-identity'
import { LETTER_LIFETIME_MS, writtenAt, type Letter, type LetterRefusal } from './mailbox-letters'
import { letterEvents } from './mailbox-events'
import { collectLetters } from './mailbox-read'
import { MAX_PENDING, MAX_PENDING_ACKS, pendingAcks, pendingChanges, updatePendingAcks, updatePendingChanges, type Pending, type PendingAck } from './mailbox-pending'
import { acknowledgeByLetter } from './mailbox-acks'
import { answerPages, asked, MAX_ANSWER_LETTERS, mayAnswer, mayAsk } from './mailbox-requests'
import { clearedEvents, deletionEvent, forgetSent, readerDeletion, recordCleared, recordSent, sentLetters, type SentLetter } from './mailbox-withdraw'
import { DEFAULT_MAILBOX_RELAY_LIMITS, publishEvents, type MailboxDrop, type MailboxRelayLimits } from './mailbox-relay'
import type { WrapRefusal } from './mailbox-bundles'
import type { SigningKeyPair } from '../../shared/crypto/key-types'
import { wrapEvents, type BundleFriend, type SentBundle } from './mailbox-bundle-events'
import { planWithdrawal, recordSentBundles, replaceSentBundles, sentBundles } from './mailbox-bundle-withdraw'
import { recordTakenWraps, takenWraps } from './mailbox-wraps-taken'
import type { FileRefusal } from './mailbox-files'
import { itemBundles } from './mailbox-item-bundles'

export interface MailboxOptions {
  db: NodeDatabase
  identity: Pick<NodeIdentity, 'keyHex' | 'signing'>
  /** The key my letters, bundles and wraps are signed with now: my address
   *  key, or after a rotation Sₙ where this device holds it; null where this
   *  device may not sign for me (a server device, a kept full device without
   *  Sₙ), which then writes nothing. By default the address key. */
  signer?: () => SigningKeyPair | null
  /** The key that speaks for a friend here (their address key, or the Sₙ of
   *  their rotation I follow): what a letter of theirs is checked against. */
  signingKeyOf?: (friend: string) => Uint8Array
  relayUrls: () => string[]
  /** Every friend's current meeting secret, [key hex, secret]. */
  secrets: () => Promise<Array<[string, Uint8Array]>>
  createSocket?: (url: string) => WebSocket
  limits?: Partial<MailboxRelayLimits>
  now?: () => number
}

/** What one read found from one friend: opened letters, each checked for
 *  the owner's signature, the recipient and expiry, and taken once. The
 *  handler says which "forget it" letters it took now and what it forgot
 *  (those are acknowledged back to the owner). */
export type LettersHandler = (owner: string, letters: Letter[], files?: ReadonlyMap<string, Uint8Array>) => Promise<LettersTaken | undefined>

/** A request letter that opened but is not answered: `refused` as a live
 *  listItems would refuse it, `flood` past the bounds. */
export type RequestRefusal = 'refused' | 'flood'

export interface LettersTaken {
  forgotten: Array<{ letter: string, itemIds: string[] }>
}

/** The dropped counters of this page's mailbox, after each read (a device setting). */
const DROPPED_SETTING = 'mailboxDropped'

export class Mailbox {
  /** Where opened letters go (the client's friend cache). */
  onLetters: LettersHandler | null = null
  /** What this mailbox sent to relays: events (each relay counted) and
   *  their bytes as sent (letters, acknowledgements, requests, answers,
   *  deletion requests). The relay cost figures are read from here. */
  readonly published = { events: 0, bytes: 0 }
  /** A friend confirmed these deletions through the mailbox. */
  onAcknowledged: ((friendKey: string, itemIds: string[]) => void) | null = null
  /** What was dropped, by reason (tests and diagnostics). */
  readonly dropped: Partial<Record<MailboxDrop | LetterRefusal | WrapRefusal | FileRefusal | RequestRefusal, number>> = {}
  private readonly now: () => number
  private readonly signer: () => SigningKeyPair | null
  private readonly limits: MailboxRelayLimits
  private reading: Promise<number> | null = null
  private readAgain = false
  private closed = false

  constructor (private readonly opts: MailboxOptions) {
    this.now = opts.now ?? Date.now
    this.signer = opts.signer ?? (() => opts.identity.signing())
    this.limits = { ...DEFAULT_MAILBOX_RELAY_LIMITS, ...opts.limits }
  }

  /** Bundles of these new or edited items, wrapped for every friend who
   *  may see them; recorded as delivered to those friends, so a later
   *  deletion tells them too. Returns the events published (all relays). */
  async itemsChanged (itemIds: readonly string[]): Promise<number> {
    return this.untilTaken('items', itemIds, () => this.sendItems(itemIds))
  }

  /** Letters telling each friend still owed a delete notice for these
   *  items to forget them (a deletion, or an audience that no longer
   *  includes them); their acknowledgement comes live or by a letter back.
   *  Also withdraws the item letters no friend needs any more. */
  async noticesChanged (itemIds: readonly string[]): Promise<number> {
    const told = await this.untilTaken('gone', itemIds, () => this.sendGone(itemIds))
    return told + await this.withdraw(itemIds)
  }

  /** Asks every relay to delete the item letters this device published
   *  that hold none of their friend's items any more (these items deleted,
   *  or no longer theirs to see): a friend who has not read them yet never
   *  will; and withdraws the wraps of bundles from friends no longer meant
   *  to have them (mailbox-bundle-withdraw.ts). `null`: every letter and
   *  bundle looked at. Returns the events taken (deletion requests, wraps
   *  made again for the friends still meant to have them). */
  async withdraw (itemIds: readonly string[] | null): Promise<number> {
    const urls = this.opts.relayUrls()
    if (this.closed || urls.length === 0) return 0
    const db = this.opts.db
    const now = this.now()
    const touched = itemIds === null ? null : new Set(itemIds)
    const candidates = (await sentLetters(db, now)).filter((s) => touched === null || s.items.some((id) => touched.has(id)))
    const bundles = (await sentBundles(db, now)).filter((b) => touched === null || b.items.some((id) => touched.has(id)))
    if (candidates.length === 0 && bundles.length === 0) return 0
    const rows = new Map((await db.items.bulkGet([...new Set([...candidates, ...bundles].flatMap((s) => s.items))])).filter((r): r is ItemRow => r !== undefined).map((r) => [r.id, r]))
    const viewers = await loadViewers(db, [...new Set([...candidates.map((s) => s.friend), ...bundles.flatMap((b) => b.wraps.flatMap((w) => w.friends))])])
    const stillFor = (friend: string, items: readonly string[]): boolean => {
      const viewer = viewers.get(friend)
      return items.some((id) => {
        const row = rows.get(id)
        return row !== undefined && viewer?.isFriend === true && canSee(row.audience, viewer)
      })
    }
    const withdrawn = candidates.filter((s) => !stillFor(s.friend, s.items))
    const events = withdrawn.map((s) => deletionEvent([s.event], fromHex(s.key), now))
    const rewrapped = await this.withdrawBundles(bundles, stillFor, now)
    events.push(...rewrapped.events)
    if (events.length === 0) return 0
    const { published, taken } = await this.publish(urls, events)
    if (taken) {
      await forgetSent(db, new Set(withdrawn.map((s) => s.event)), now)
      await replaceSentBundles(db, rewrapped.changed, now)
    }
    return published
  }

  /** The deletion requests (and new wrap events) that take these bundles'
   *  wraps from friends no longer meant to have them, and what is then kept
   *  of each bundle (null: nothing, it is withdrawn whole). */
  private async withdrawBundles (bundles: readonly SentBundle[], stillFor: (friend: string, items: readonly string[]) => boolean, now: number): Promise<{ events: Event[], changed: Map<string, SentBundle | null> }> {
    const events: Event[] = []
    const changed = new Map<string, SentBundle | null>()
    const signing = this.signer()
    let secrets: Map<string, Uint8Array> | null = null
    for (const bundle of bundles) {
      const plan = planWithdrawal(bundle, (friend) => stillFor(friend, bundle.items))
      if (plan === null) continue
      events.push(...plan.deletions.map(([event, key]) => deletionEvent([event], fromHex(key), now)))
      if (plan.gone) { changed.set(bundle.event, null); continue }
      const wraps = [...plan.kept]
      if (plan.rewrap.length > 0 && signing) {
        secrets ??= new Map(await this.opts.secrets())
        const friends = plan.rewrap.flatMap((key): BundleFriend[] => { const secret = secrets!.get(key); return secret ? [{ key, secret }] : [] })
        const again = wrapEvents(this.opts.identity.keyHex, friends, { k: fromHex(bundle.k), hash: bundle.hash, tag: bundle.tag, exp: bundle.exp, event: bundle.event }, signing.secretKey, now)
        events.push(...again.map((w) => w.event))
        wraps.push(...again.map((w) => ({ event: w.event.id, key: toHex(w.key), friends: w.friends })))
      }
      changed.set(bundle.event, { ...bundle, wraps })
    }
    return { events, changed }
  }

  /** Leaves `owner` (away) a request for the page since `after`, as a live
   *  sync would ask; their first device online answers by letters. Within
   *  the bounds of mailbox-requests.ts. Returns the events published. */
  async ask (owner: string, after: string | null): Promise<number> {
    const urls = this.opts.relayUrls()
    const signing = this.signer()
    if (this.closed || urls.length === 0 || !signing) return 0
    const secret = new Map(await this.opts.secrets()).get(owner)
    if (!secret || !await mayAsk(this.opts.db, owner, after, this.now())) return 0
    const { events } = letterEvents(this.opts.identity.keyHex, owner, secret, signing.secretKey, [after], () => ({ ask: { after } }), this.now())
    const { published, taken } = await this.publish(urls, events)
    if (taken) await asked(this.opts.db, owner, after, this.now())
    return published
  }

  /** Answers a friend's request letter by letters of what a live page gives
   *  them. False when this device cannot answer (it does not hold the
   *  identity key): the request stays for one that does. */
  private async answer (friend: string, letter: Letter, secret: Uint8Array): Promise<boolean> {
    const urls = this.opts.relayUrls()
    const signing = this.signer()
    if (this.closed || urls.length === 0 || !signing) return false
    const db = this.opts.db
    if (!await mayAnswer(db, friend, letter.id, LETTER_LIFETIME_MS, this.now())) { this.count('flood'); return true }
    const items = await answerPages(db, friend, letter.ask!.after, this.now)
    // Not a friend (any more), or a cursor that is not one: what a live session would refuse.
    if (items === null) { this.count('refused'); return true }
    if (items.length === 0) return true
    const sent = letterEvents(this.opts.identity.keyHex, friend, secret, signing.secretKey, items, (batch) => ({ items: batch }), this.now())
    const letters = sent.letters.slice(0, MAX_ANSWER_LETTERS)
    await recordSent(db, letters.map((l) => ({ event: l.event.id, key: toHex(l.key), friend, items: l.batch.map((item) => (item as { id: string }).id), exp: l.exp })), this.now())
    await this.publish(urls, letters.map((l) => l.event))
    return true
  }

  /** Sends again what no relay took before (a relay down, or the tab
   *  closed first): the items as they are now (a deleted one is not sent),
   *  "forget it" to whoever is still owed a notice. Returns the events published. */
  async retryPending (): Promise<number> {
    const pending = await pendingChanges(this.opts.db)
    let sent = 0
    if (pending.gone.length > 0) sent += await this.noticesChanged(pending.gone)
    if (pending.items.length > 0) sent += await this.itemsChanged(pending.items)
    sent += await this.withdraw(null)
    const acks = await pendingAcks(this.opts.db)
    if (acks.length > 0) {
      const secrets = new Map(await this.opts.secrets())
      for (const ack of acks) {
        const secret = secrets.get(ack.friend)
        // A friend no longer: nobody to tell.
        if (!secret) await updatePendingAcks(this.opts.db, (p) => p.filter((a) => a.friend !== ack.friend))
        else sent += await this.sendAck(ack, secret)
      }
    }
    return sent
  }

  /** Tells the owner (the other direction of the pair) that I forgot these
   *  items, answering their letter written at `asOf`; kept until a relay took it. */
  private async sendAck (ack: PendingAck, secret: Uint8Array): Promise<number> {
    const urls = this.opts.relayUrls()
    const signing = this.signer()
    if (this.closed || urls.length === 0 || !signing || ack.ids.length === 0) return 0
    const same = (a: PendingAck): boolean => a.friend === ack.friend && a.asOf === ack.asOf && a.ids.join() === ack.ids.join()
    await updatePendingAcks(this.opts.db, (p) => [...p.filter((a) => !same(a)), ack].slice(-MAX_PENDING_ACKS))
    const events = letterEvents(this.opts.identity.keyHex, ack.friend, secret, signing.secretKey, ack.ids, (batch) => ({ ack: batch as string[], asOf: ack.asOf }), this.now()).events
    const { published, taken } = await this.publish(urls, events)
    if (taken) await updatePendingAcks(this.opts.db, (p) => p.filter((a) => !same(a)))
    return published
  }

  /** Keeps the change until some relay took every letter of it. */
  private async untilTaken (list: keyof Pending, itemIds: readonly string[], send: () => Promise<{ published: number, taken: boolean }>): Promise<number> {
    if (this.closed || this.opts.relayUrls().length === 0 || !this.signer() || itemIds.length === 0) return 0
    await updatePendingChanges(this.opts.db, (p) => { p[list] = [...p[list].filter((id) => !itemIds.includes(id)), ...itemIds].slice(-MAX_PENDING) })
    const { published, taken } = await send()
    if (taken) await updatePendingChanges(this.opts.db, (p) => { p[list] = p[list].filter((id) => !itemIds.includes(id)) })
    return published
  }

  private async sendItems (itemIds: readonly string[]): Promise<{ published: number, taken: boolean }> {
    const urls = this.opts.relayUrls()
    const signing = this.signer()
    if (this.closed || urls.length === 0 || !signing) return { published: 0, taken: false }
    const db = this.opts.db
    const out = await itemBundles({ db, me: this.opts.identity.keyHex, signingSecret: signing.secretKey, itemIds, secrets: await this.opts.secrets(), now: this.now })
    if (!out) return { published: 0, taken: true }
    // Kept before publishing: a deletion may follow before the relays answer.
    await recordSentBundles(db, out.sent, this.now())
    if (out.delivered.length > 0) {
      await db.transaction('rw', deliveryTables(db), async () => {
        for (const [friend, ids] of out.delivered) await recordDeliveries(db, friend, ids, this.now())
      })
    }
    return this.publish(urls, out.events)
  }

  private async sendGone (itemIds: readonly string[]): Promise<{ published: number, taken: boolean }> {
    const urls = this.opts.relayUrls()
    const signing = this.signer()
    if (this.closed || urls.length === 0 || !signing) return { published: 0, taken: false }
    const notices = await this.opts.db.notices.where('itemId').anyOf([...itemIds]).toArray()
    const byFriend = new Map<string, string[]>()
    for (const n of notices) byFriend.set(n.friendKey, [...byFriend.get(n.friendKey) ?? [], n.itemId])
    const events: Event[] = []
    for (const [friend, secret] of await this.opts.secrets()) {
      const gone = byFriend.get(friend)
      if (gone) events.push(...letterEvents(this.opts.identity.keyHex, friend, secret, signing.secretKey, gone, (batch) => ({ gone: batch as string[] }), this.now()).events)
    }
    return this.publish(urls, events)
  }

  /** Reads what friends left for me on every relay, hands each friend's
   *  opened letters to onLetters; returns how many letters were opened. One
   *  read at a time; asked again meanwhile, one more follows. */
  read (): Promise<number> {
    if (this.reading) {
      this.readAgain = true
      return this.reading
    }
    this.reading = this.readOnce().finally(() => {
      this.reading = null
      if (this.readAgain && !this.closed) {
        this.readAgain = false
        void this.read()
      }
    })
    return this.reading
  }

  close (): void {
    this.closed = true
  }

  private async readOnce (): Promise<number> {
    const urls = this.opts.relayUrls()
    if (this.closed || urls.length === 0) return 0
    const now = this.now()
    const secrets = new Map(await this.opts.secrets())
    const found = await collectLetters({ urls, secrets, me: this.opts.identity.keyHex, now, clock: this.now, takenWraps: await takenWraps(this.opts.db), visit: this.visit(), count: (reason) => this.count(reason), signingKeyOf: this.opts.signingKeyOf })
    if (found === null) return 0
    const { letters, carriers, bundled, files } = found
    // What was dropped, kept where a diagnostic (or a browser test) can read it.
    await this.opts.db.putSetting(DROPPED_SETTING, this.dropped)
    let opened = 0
    for (const [owner, mine] of letters) {
      if (this.closed) break
      opened += mine.size
      const all = [...mine.values()]
      // Their acknowledgements of my deletions are the node's own business.
      const acks = all.filter((l) => l.ack !== undefined)
      for (const letter of acks) {
        const confirmed = await acknowledgeByLetter(this.opts.db, owner, letter.ack!, letter.asOf!)
        if (confirmed.length > 0) this.onAcknowledged?.(owner, confirmed)
      }
      const handled = [...acks]
      // Their requests: answered here, once, if this device can sign.
      for (const letter of all.filter((l) => l.ask !== undefined)) {
        if (await this.answer(owner, letter, secrets.get(owner)!)) handled.push(letter)
      }
      const rest = all.filter((l) => l.ack === undefined && l.ask === undefined)
      if (rest.length > 0 && this.onLetters) {
        const taken = await this.onLetters(owner, rest, files.get(owner))
        handled.push(...rest)
        for (const { letter, itemIds } of taken?.forgotten ?? []) {
          const answered = mine.get(letter)
          if (answered?.gone && itemIds.length > 0) await this.sendAck({ friend: owner, ids: itemIds, asOf: writtenAt(answered) }, secrets.get(owner)!)
        }
      }
      await this.clearTaken(handled, carriers)
      await recordTakenWraps(this.opts.db, handled.filter((l) => bundled.has(l.id)).map((l) => l.id))
    }
    return opened
  }

  /** Asks the relays to delete the letters just taken (each with the key
   *  its writer put inside it), once per event. */
  private async clearTaken (letters: readonly Letter[], carriers: ReadonlyMap<string, Event[]>): Promise<void> {
    const urls = this.opts.relayUrls()
    if (letters.length === 0 || urls.length === 0) return
    const done = await clearedEvents(this.opts.db)
    const requests: Event[] = []
    for (const letter of letters) {
      for (const event of carriers.get(letter.id) ?? []) {
        if (done.has(event.id)) continue
        const request = readerDeletion(event, letter.del, this.now())
        if (request) requests.push(request)
        done.add(event.id)
      }
    }
    if (requests.length === 0) return
    const { taken } = await this.publish(urls, requests)
    if (taken) await recordCleared(this.opts.db, requests.map((r) => r.tags[0]![1]!))
  }

  /** Publishes on every relay: how many events the relays took in all, and
   *  whether one relay at least took every one (then the change is delivered
   *  as far as relays go). */
  private async publish (urls: string[], events: Event[]): Promise<{ published: number, taken: boolean }> {
    if (events.length === 0) return { published: 0, taken: true }
    const bytes = events.reduce((sum, event) => sum + JSON.stringify(['EVENT', event]).length, 0)
    this.published.events += events.length * urls.length
    this.published.bytes += bytes * urls.length
    const accepted = await Promise.all(urls.map((url) => publishEvents(url, events, this.visit()).catch(() => 0)))
    return { published: accepted.reduce((a, b) => a + b, 0), taken: accepted.some((n) => n === events.length) }
  }

  private visit () {
    return {
      createSocket: this.opts.createSocket ?? ((url: string) => new WebSocket(url)),
      limits: this.limits,
      onDrop: (reason: MailboxDrop) => this.count(reason)
    }
  }

  private count (reason: MailboxDrop | LetterRefusal | WrapRefusal | FileRefusal | RequestRefusal): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1
  }
}

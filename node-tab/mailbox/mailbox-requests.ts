// A friend's request through the mailbox: "a page since my cursor", left
// for me while I am away, answered by whichever of my devices holding the
// identity key comes online first. The answer is what a live listItems
// gives that friend (ItemsStore.listVisible: the same friend check, the same
// audience scoping, the same delivery records), text items only (a file's
// bytes wait for a live session, as for every letter), in letters.
//
// Bounds, on both sides, kept as device settings (not synced):
//   - the asker sends one request per friend and cursor per ASK_AGAIN_MS,
//     and at most MAX_ASKS_PER_WINDOW per friend per window;
//   - the answerer answers a request letter once, at most
//     MAX_ANSWERS_PER_WINDOW per friend per window, with at most
//     MAX_ANSWER_PAGES pages of MAX_PAGE items and MAX_ANSWER_LETTERS
//     letters (so at most MAX_ANSWER_LETTERS × 64 KiB per answer).
import type { NodeDatabase } from '../storage/db'
import { ItemsStore } from '../storage/items-store'
import { MAX_PAGE, type SharedItem } from '../../shared/protocol/items'
import { parseListItemsParams } from '../../shared/protocol/protocol'
import { WINDOW_MS } from './mailbox-letters'

export const ASK_AGAIN_MS = 6 * 60 * 60 * 1000
export const MAX_ASKS_PER_WINDOW = 6
export const MAX_ANSWERS_PER_WINDOW = 4
export const MAX_ANSWER_PAGES = 4
export const MAX_ANSWER_LETTERS = 10

const ASKED_SETTING = 'mailboxAsked'
const ANSWERED_SETTING = 'mailboxAnswered'
/** Entries kept, at most (the oldest go first; those older than a letter's life go). */
const MAX_REMEMBERED = 2_000

/** One request sent or answered: whom, when, and the cursor or letter id. */
interface Remembered { friend: string, at: number, ref: string }

function isRemembered (v: unknown): v is Remembered[] {
  return Array.isArray(v) && v.every((r: Partial<Remembered>) => typeof r?.friend === 'string' && Number.isSafeInteger(r.at) && typeof r.ref === 'string')
}

async function remembered (db: NodeDatabase, setting: string, now: number, keepMs: number): Promise<Remembered[]> {
  return (await db.getSetting(setting, isRemembered) ?? []).filter((r) => r.at > now - keepMs && r.at <= now + WINDOW_MS)
}

/** Takes a turn for `friend` under `setting`, or says no: `ref` seen
 *  within `againMs`, or `perWindow` turns already in the last window.
 *  `record: false` only looks. */
async function takeTurn (db: NodeDatabase, setting: string, friend: string, ref: string, now: number, againMs: number, perWindow: number, record = true): Promise<boolean> {
  return db.transaction('rw', db.settings, async () => {
    const kept = await remembered(db, setting, now, Math.max(againMs, WINDOW_MS))
    const theirs = kept.filter((r) => r.friend === friend)
    if (theirs.some((r) => r.ref === ref && r.at > now - againMs)) return false
    if (theirs.filter((r) => r.at > now - WINDOW_MS).length >= perWindow) return false
    if (record) await db.putSetting(setting, [...kept, { friend, at: now, ref }].slice(-MAX_REMEMBERED))
    return true
  })
}

/** Whether I may ask `owner` now for a page since `after`. */
export function mayAsk (db: NodeDatabase, owner: string, after: string | null, now: number): Promise<boolean> {
  return takeTurn(db, ASKED_SETTING, owner, after ?? '', now, ASK_AGAIN_MS, MAX_ASKS_PER_WINDOW, false)
}

/** Counts a request some relay took (a request no relay took may be asked again). */
export async function asked (db: NodeDatabase, owner: string, after: string | null, now: number): Promise<void> {
  await takeTurn(db, ASKED_SETTING, owner, after ?? '', now, ASK_AGAIN_MS, MAX_ASKS_PER_WINDOW)
}

/** Whether I answer this request letter of `friend`'s: once per letter
 *  (served again, or re-wrapped, it is the same letter) and within the bound. */
export function mayAnswer (db: NodeDatabase, friend: string, letterId: string, lifetimeMs: number, now: number): Promise<boolean> {
  return takeTurn(db, ANSWERED_SETTING, friend, letterId, now, lifetimeMs, MAX_ANSWERS_PER_WINDOW)
}

/** What a live listItems from `friend` since `after` lists, text items
 *  only, up to MAX_ANSWER_PAGES pages; null when the request is not one a
 *  live session would answer (not a friend, a cursor that is not one). */
export async function answerPages (db: NodeDatabase, friend: string, after: string | null, now: () => number): Promise<SharedItem[] | null> {
  const items = new ItemsStore(db, now)
  const out: SharedItem[] = []
  let cursor = after
  for (let page = 0; page < MAX_ANSWER_PAGES; page++) {
    let result
    try {
      result = await items.listVisible(friend, parseListItemsParams({ limit: MAX_PAGE, ...(cursor === null ? {} : { after: cursor }) }))
    } catch {
      return page === 0 ? null : out
    }
    out.push(...result.items.filter((item) => item.type !== 'file'))
    if (result.done || result.cursor === null) break
    cursor = result.cursor
  }
  return out
}

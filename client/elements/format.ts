// Plain-words formatting shared by the elements: audiences, sizes, dates,
// item types, deletion reasons, errors. No DOM, no state.
import type { Audience, ItemType } from '../../shared/protocol/items'
import type { DeletionReason } from '../../node-tab/storage/db'
import type { GroupSummary } from '../api/app-api'

export const TYPE_WORDS: Record<ItemType, string> = { note: 'Note', post: 'Post', file: 'File' }

export const REASON_WORDS: Record<DeletionReason, string> = {
  deleted: 'You deleted it',
  'audience-narrowed': 'You changed who can see it',
  'friend-removed': 'You removed a friend',
  'left-group': 'You took a friend out of a group'
}

/** Names one of my items without its content: "Your photo from 3 Nov 2026",
 *  "Your note" (when its date was not kept). */
export function myItemInWords (item: { type: ItemType, photo?: boolean, createdAt?: number }): string {
  const kind = item.photo ? 'photo' : TYPE_WORDS[item.type].toLowerCase()
  return item.createdAt === undefined ? `Your ${kind}` : `Your ${kind} from ${formatDay(item.createdAt)}`
}

/** "All friends", "Only me", "Groups: family, work". */
export function audienceInWords (audience: Audience, groups: readonly GroupSummary[]): string {
  switch (audience.kind) {
    case 'friends': return 'All friends'
    case 'me': return 'Only me'
    case 'groups': {
      const names = audience.groupIds.map((id) => groups.find((g) => g.id === id)?.name ?? 'a deleted group')
      return `${names.length === 1 ? 'Group' : 'Groups'}: ${names.join(', ')}`
    }
  }
}

/** Why an audience cannot be saved yet, or '' if it can. */
export function audienceProblem (audience: Audience): string {
  return audience.kind === 'groups' && audience.groupIds.length === 0
    ? 'Pick at least one group, or choose “All friends” or “Only me”.'
    : ''
}

export function sameAudience (a: Audience, b: Audience): boolean {
  if (a.kind !== b.kind) return false
  if (a.kind !== 'groups' || b.kind !== 'groups') return true
  const x = [...a.groupIds].sort()
  const y = [...b.groupIds].sort()
  return x.length === y.length && x.every((id, i) => id === y[i])
}

export function formatBytes (n: number): string {
  if (n < 1024) return `${n} ${n === 1 ? 'byte' : 'bytes'}`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} kB`
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`
  return `${(n / 1024 / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} GB`
}

export function formatDay (ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { dateStyle: 'medium' })
}

export function formatDate (ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

export function formatTime (ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
}

/** "in 6 days", "in 3 hours", "in 5 minutes". */
export function timeUntil (ms: number, now = Date.now()): string {
  const s = Math.max(0, (ms - now) / 1000)
  if (s >= 2 * 86_400) return `in ${Math.round(s / 86_400)} days`
  if (s >= 2 * 3_600) return `in ${Math.round(s / 3_600)} hours`
  if (s >= 120) return `in ${Math.round(s / 60)} minutes`
  return 'in a minute'
}

export function excerpt (text: string, max = 280): string {
  const t = text.trim()
  return t.length <= max ? t : `${t.slice(0, max - 1).trimEnd()}…`
}

/** An error's own message (our errors are written for people), never "[object Object]". */
export function plainError (err: unknown): string {
  if (err instanceof Error && err.message) return err.message
  if (typeof err === 'string' && err) return err
  return 'Something went wrong. Please try again.'
}

export function isAbort (err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError'
}

/** Why a downloaded file shows no preview, in the words of what the sender claimed it was. */
export function notShownWhy (meta: { name: string, mime: string }): string {
  const claimsImage = meta.mime.startsWith('image/') || /\.(png|jpe?g|gif|webp|avif|svg|bmp|ico|heic)$/i.test(meta.name)
  return claimsImage
    ? 'Not shown: its content is not a PNG, JPEG, GIF, WebP or AVIF photo. Save it to open it with another app.'
    : 'Kith shows only photos. Save this file to open it with another app.'
}

/** "just now", "5 minutes ago", "an hour ago", "3 hours ago", "4 days ago", else the day. */
export function timeAgo (ms: number, now = Date.now()): string {
  const s = Math.max(0, (now - ms) / 1000)
  if (s < 90) return 'just now'
  if (s < 3_600) return `${Math.round(s / 60)} minutes ago`
  if (s < 2 * 3_600) return 'an hour ago'
  if (s < 2 * 86_400) return `${Math.round(s / 3_600)} hours ago`
  if (s < 30 * 86_400) return `${Math.round(s / 86_400)} days ago`
  return `on ${formatDay(ms)}`
}

/** A short countdown for a code on screen: "in 9 min", "in 40 s", or '' once passed. */
export function countdown (ms: number, now = Date.now()): string {
  const s = Math.ceil((ms - now) / 1000)
  if (s <= 0) return ''
  if (s < 60) return `in ${s} s`
  return `in ${Math.floor(s / 60)} min`
}

/** Six digits as two groups, "123 456", easier to compare between two screens. */
export function spacedCode (code: string): string {
  return /^\d{6}$/.test(code) ? `${code.slice(0, 3)} ${code.slice(3)}` : code
}

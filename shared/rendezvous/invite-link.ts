// An invite link: …#/invite/<inviter's address>/<token>?from=<inviter's name>.
// The name is only a hint, so the invite page can say who it is from before
// anything is checked; the handshake then tells the real profile. Anyone can
// edit a link, so the hint is cleaned like a name a peer sends (no control or
// bidi characters, one line) and cut to a name's length. Links without it
// (made before it existed) still work: the token ends at '?'.
import { cleanDisplayName, MAX_DISPLAY_NAME } from '../protocol/display-name'

/** Longer input is not even looked at: a link's fragment can be megabytes. */
const MAX_RAW_HINT = 4 * MAX_DISPLAY_NAME
/** Invisible format characters beyond the bidi ones cleanDisplayName drops
 *  (zero-width joiners, word joiner, BOM…), line/paragraph separators, and
 *  half a surrogate pair (from the cut of the raw input). */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu

/** The shown hint, '' when there is none worth showing. */
export function cleanInviterHint (raw: unknown): string {
  if (typeof raw !== 'string') return ''
  const cleaned = cleanDisplayName(raw.slice(0, MAX_RAW_HINT).replace(INVISIBLE, ' '))
  // Cut by code points, so a cut never leaves half an emoji.
  const points = [...cleaned]
  return points.length <= MAX_DISPLAY_NAME ? cleaned : points.slice(0, MAX_DISPLAY_NAME).join('').trimEnd()
}

export function inviteFragment (address: string, token: string, inviterName = ''): string {
  const hint = cleanInviterHint(inviterName)
  return `#/invite/${address}/${token}${hint ? `?from=${encodeURIComponent(hint)}` : ''}`
}

/** The hint in what follows the token ('?from=…'), cleaned. */
export function inviterHintFrom (query: string): string {
  let value: string | null = null
  try {
    value = new URLSearchParams(query.slice(0, MAX_RAW_HINT * 12)).get('from')
  } catch {
    return ''
  }
  return cleanInviterHint(value ?? '')
}

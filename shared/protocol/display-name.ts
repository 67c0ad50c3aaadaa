// Cleaning a name for showing: apart from answers.ts (the checks of peers'
// answers, loaded with the first session) because stores and the invite
// page need it on the first screen.

/** Combining marks beyond a few on one letter: real names need two or
 *  three (Vietnamese, Indic scripts); dozens make a glyph many lines tall,
 *  drawn over the text around the name. */
const MARK_PILE = /(\p{M}{4})\p{M}+/gu

/** Names are shown to people: no control or bidi-override characters, one
 *  line, no pile of combining marks. */
export function cleanDisplayName (name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim().replace(MARK_PILE, '$1')
}

export const MAX_DISPLAY_NAME = 80

/** The owner's own name as saved: one line, at most MAX_DISPLAY_NAME characters. */
export function normalizeDisplayName (input: string): string {
  const name = input.replace(/\s+/g, ' ').trim()
  if (name.length > MAX_DISPLAY_NAME) throw new Error(`A name can be at most ${MAX_DISPLAY_NAME} characters.`)
  return name
}

// Cleaning a name for showing: apart from answers.ts (the checks of peers'
// answers, loaded with the first session) because stores and the invite
// page need it on the first screen.

/** Names are shown to people: no control or bidi-override characters, one line. */
export function cleanDisplayName (name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim()
}

// How much of one friend's sharing this browser keeps, at most: the numbers
// only, so the app's first screen does not load the counting code
// (friend-budget.ts) with them.

export interface FriendBudget {
  /** Cached items per friend. */
  maxItems: number
  /** Bytes of text and metadata per friend (see itemBytes). */
  maxBytes: number
}

/** 32 MiB is some 1,600 items of the longest text, or years of ordinary
 *  posting; 20,000 items is ten a day for five years. The count matters on
 *  its own: a friend's page reads all of their cached items at once, and
 *  tiny items would otherwise slip under the bytes. Files are apart: their
 *  bytes are fetched when I ask for one, or come on their own with the
 *  mailbox (MAILBOX_FILE_BYTES below). */
export const DEFAULT_FRIEND_BUDGET: Readonly<FriendBudget> = { maxItems: 20_000, maxBytes: 32 * 1024 * 1024 }

/** A budget with sane numbers: anything else is the default. */
export function checkedBudget (budget: Partial<FriendBudget> = {}): FriendBudget {
  const pick = (value: number | undefined, fallback: number): number => value !== undefined && Number.isSafeInteger(value) && value > 0 ? value : fallback
  return { maxItems: pick(budget.maxItems, DEFAULT_FRIEND_BUDGET.maxItems), maxBytes: pick(budget.maxBytes, DEFAULT_FRIEND_BUDGET.maxBytes) }
}


/** The cached file bytes of one friend within which files that come on
 *  their own (with the mailbox's letters, up to 1 MiB each) are kept: past
 *  it the files of that friend's oldest items go first (they come again,
 *  live, when I open them), so a friend posting a photo a minute cannot fill
 *  my disk while I am away. 64 MiB is weeks of a few phone photos a day. */
export const MAILBOX_FILE_BYTES = 64 * 1024 * 1024

// What a tab holds while it serves the profile's node, however it got it (a
// Web Lock, single-tab.ts, or the BroadcastChannel, channel-lock.ts): apart,
// so that neither of those imports the other for it.
export interface NodeLock {
  /** Resolves when another tab took the lock: this tab must stop serving. */
  readonly lost: Promise<void>
  /** Lets the lock go now (the page is going away), not when the browser
   *  gets round to it: a reload must find it free. */
  release: () => void
}

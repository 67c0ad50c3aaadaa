// The right to be the one tab of a browser profile that serves (single-tab.ts).
export interface NodeLock {
  /** Resolves when another tab took the lock: this tab must stop serving. */
  readonly lost: Promise<void>
  /** Lets the lock go now (the page is going away), not when the browser
   *  gets round to it: a reload must find it free. */
  release: () => void
}

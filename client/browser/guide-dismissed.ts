// Whether the person put the guided start (elements/kith-start.ts) away: kept in
// this browser, so #/ opens on Home from then on. Apart from the guide so
// that the app shell can ask without loading it.

const KEY = 'kith-start-dismissed'

export function guideDismissed (): boolean {
  try {
    return localStorage.getItem(KEY) === '1'
  } catch {
    return false // storage refused: the guide shows, and Skip still puts it away for this visit
  }
}

export function dismissGuide (): void {
  try {
    localStorage.setItem(KEY, '1')
  } catch {}
}

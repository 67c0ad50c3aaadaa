// Entry point: the installed app's notices (offline, new version), then this
// profile's one server slot (client/boot/single-tab.ts); only the tab that holds
// it loads and starts the node (client/boot/start-node.ts). Kept small: this is
// the script every start fetches and runs before anything else.
import { startAppStatus } from './boot/app-status'
import { warnBeforeLeaving, type LeaveWarning } from './boot/leave-warning'
import { holdRunnerReports, runnerPage } from './boot/runner-page'
import { claimNode, reloadToTakeOver, showOtherTabNotice, takeOverRequested, type NodeLock } from './boot/single-tab'
import { watchLongTasks } from './browser/after-paint'

// First: whether this device is slow to start decides when serving starts (start-node.ts).
watchLongTasks()

const root = document.getElementById('app')!
const runner = runnerPage()
let leaveWarning: LeaveWarning | null = null
/** While a new version takes over, no runner report (app-status.ts). */
const TAKEOVER_QUIET_MS = 5000
/** Registers the service worker (new versions, offline): after the first screen and the views' code. */
let watchForUpdates = (): void => {}

async function boot (): Promise<void> {
  watchForUpdates = startAppStatus({
    root: document.getElementById('app-status')!,
    autoUpdate: runner !== null,
    beforeTakeOver: () => holdRunnerReports(TAKEOVER_QUIET_MS),
    beforeReload: () => leaveWarning?.stop()
  })
  try {
    // Another tab seems to have it: say so at once, but serve here after
    // all if it lets go soon (it was closing), unless the button took it.
    const stopClaiming = new AbortController()
    let noticeShown = false
    let claimed = false
    const showNotice = (): void => {
      if (noticeShown) return
      noticeShown = true
      showOtherTabNotice(root, 'elsewhere', () => {
        if (claimed) return // it came free meanwhile: this tab is starting
        stopClaiming.abort()
        void takeOver()
      })
      watchForUpdates() // nothing to wait for: no node starts in this tab, for now
    }
    const lock = await claimNode({ steal: takeOverRequested(), onWaiting: showNotice, signal: stopClaiming.signal })
    if (lock) {
      claimed = true
      await serve(lock)
      if (noticeShown) focusApp()
    } else if (!stopClaiming.signal.aborted) {
      showNotice()
    }
  } catch (err) {
    failed(err)
    watchForUpdates() // a new version may be what fixes this
  }
}

/** "Use this tab instead" in a tab that never opened a node: take the lock and start here. */
async function takeOver (): Promise<void> {
  try {
    await serve((await claimNode({ steal: true }))!)
    focusApp()
  } catch (err) {
    failed(err)
  }
}

/** The notice's button is gone: start the keyboard at the app, not at the page's end. */
function focusApp (): void {
  if (document.activeElement === document.body || document.activeElement === null) {
    root.tabIndex = -1
    root.focus({ preventScroll: true })
  }
}

async function serve (lock: NodeLock): Promise<void> {
  window.addEventListener('pagehide', () => lock.release())
  const { startNode } = await import('./boot/start-node')
  const running = await startNode(root, runner)
  // Once the views' code has loaded too: a new version found then takes
  // over while the page is quiet (app-status.ts).
  void running.settled.then(watchForUpdates, watchForUpdates)
  // Damaged stored keys: the node stopped before serving; say so as a
  // failed open would.
  running.checked.catch((err: unknown) => {
    leaveWarning?.stop()
    running.stop()
    failed(err)
  })
  // Friends reach me only while this tab serves; the runner restarts itself.
  // It asks from the start; it lists the devices (whether an always-on one
  // serves meanwhile) once serving starts, since that needs the
  // cryptography code the first screen does without.
  const devices = running.devices
  if (devices && !runner) leaveWarning ??= warnBeforeLeaving(devices, running.ready)
  // Another tab took over: stop serving here at once, so friends meet only
  // the other tab's node.
  void lock.lost.then(() => {
    leaveWarning?.stop()
    running.stop()
    showOtherTabNotice(root, 'moved', reloadToTakeOver)
  })
}

function failed (err: unknown): void {
  const reason = err instanceof Error ? err.message : String(err)
  // A revoked device: its own words say what happened and what to do.
  const revoked = err instanceof Error && err.name === 'DeviceRevokedError'
  // Only the runner's page reports, with code only it loads.
  if (runner) void import('./boot/runner-report').then(({ reportBootFailure }) => reportBootFailure(revoked ? reason : `Kith could not start: ${reason}`, runner))
  const p = document.createElement('p')
  p.setAttribute('role', 'alert')
  p.className = 'boot-error'
  p.textContent = revoked ? reason : `Kith could not start: ${reason}. ` +
    'It needs IndexedDB and WebRTC; private browsing modes may block them.'
  root.classList.add('boot')
  root.replaceChildren(p)
}

// Back from the back/forward cache: the node was closed and the lock let go
// when the page was hidden; start afresh.
window.addEventListener('pageshow', (ev) => { if (ev.persisted) location.reload() })

void boot()

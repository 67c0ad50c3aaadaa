// Comparing a fresh run with a committed one, each figure against its anchor
// in the same run: machines differ in speed from run to run (this one was
// once twice as slow for every system), so a figure is judged by its ratio
// to the plain WebRTC channel (`raw`) measured beside it, where raw has
// that figure; Kith's storage figures by their ratio to plain IndexedDB
// measured by raw beside them (a machine whose IndexedDB requests cost
// twice as much slows them alike); and on its own where there is no anchor
// (sizes, memory, other Kith-only figures), or where only one of the two
// runs measured it (a run from before the anchor existed).

/** Figures where more is better; for every other one, less is better. */
function higherIsBetter (figure, unit) {
  return unit === 'MB/s' || unit === 'sessions' || figure.startsWith('transfer_')
}

/** The system whose figure of the same name anchors this one, if any. */
const ANCHOR = 'raw'
/** Kith figures raw has no figure of the same name for, and the raw figure
 *  they are held against (issue: a 100 MB file against raw's 10 MB stream). */
const ANCHOR_FIGURE = {
  transfer_MBps_file_100MB: 'transfer_MBps_10MB',
  // A friend's page: reads, a write and a commit, on disk.
  query_p50_ms_page50_of_100k: 'idb_page_ms_page50_on_disk',
  query_p99_ms_page50_of_100k: 'idb_page_ms_page50_on_disk',
  query_p50_ms_page50_of_100k_1pct: 'idb_page_ms_page50_on_disk',
  query_p50_ms_page50_of_1m: 'idb_page_ms_page50_on_disk',
  // Synced pages: two puts a record, in fresh contexts.
  device_sync_s_10k_items: 'idb_put_ms_1000_rows',
  device_catchup_s_1k_changes: 'idb_put_ms_1000_rows'
}

/**
 * @typedef {{ system: string, figure: string, value: number | null, unit: string, ok: boolean }} Figure
 * @typedef {{ system: string, figure: string, unit: string, before: number, after: number,
 *   anchored: boolean, worseBy: number }} Change
 */

/** The anchor of figure `f` in `run`, if it measured one. */
function anchorIn (f, run) {
  if (f.system === ANCHOR) return undefined
  const name = ANCHOR_FIGURE[f.figure] ?? f.figure
  return run.find((a) => a.system === ANCHOR && a.figure === name)
}

/** value, or, when `anchored`, value relative to its anchor's in the same
 *  run (null if unusable). */
function judged (f, run, anchored) {
  if (!f.ok || typeof f.value !== 'number' || !Number.isFinite(f.value)) return null
  if (!anchored) return { value: f.value, anchored: false }
  const anchor = anchorIn(f, run)
  if (!anchor.ok || typeof anchor.value !== 'number' || anchor.value <= 0) return null
  return { value: f.value / anchor.value, anchored: true }
}

/**
 * Every figure present in both runs, with how much worse it got (a fraction:
 * 0.2 is 20 % worse; negative is better). The anchor's own figures are left
 * out: they measure the machine, not Kith.
 * @param {Figure[]} before
 * @param {Figure[]} after
 * @returns {{ changes: Change[], failedNow: Figure[] }}
 */
export function compareRuns (before, after) {
  const changes = []
  const failedNow = []
  for (const now of after) {
    if (now.system === ANCHOR) continue
    const then = before.find((b) => b.system === now.system && b.figure === now.figure)
    if (!then) continue
    // Held against the anchor only when both runs have it: a ratio and an
    // absolute value cannot be compared.
    const anchored = anchorIn(then, before) !== undefined && anchorIn(now, after) !== undefined
    const a = judged(then, before, anchored)
    const b = judged(now, after, anchored)
    if (a && !b && !now.ok) { failedNow.push(now); continue }
    if (!a || !b || a.value <= 0 || b.value <= 0) continue
    const worseBy = higherIsBetter(now.figure, now.unit) ? a.value / b.value - 1 : b.value / a.value - 1
    changes.push({ system: now.system, figure: now.figure, unit: now.unit, before: then.value, after: now.value, anchored: a.anchored && b.anchored, worseBy })
  }
  return { changes, failedNow }
}

/** Changes worse than `threshold` (0.15: 15 %), worst first. */
export function regressions (before, after, threshold = 0.15) {
  const { changes, failedNow } = compareRuns(before, after)
  return { worse: changes.filter((c) => c.worseBy > threshold).sort((x, y) => y.worseBy - x.worseBy), failedNow }
}

/** Plain lines for a person reading the log. */
export function describeRegressions ({ worse, failedNow }, threshold = 0.15) {
  const lines = []
  for (const f of failedNow) lines.push(`${f.system} ${f.figure}: failed now, measured before`)
  for (const c of worse) {
    const how = c.anchored ? 'against raw in the same run' : 'absolute'
    lines.push(`${c.system} ${c.figure}: ${fmt(c.before)} → ${fmt(c.after)} ${c.unit}, ${Math.round(c.worseBy * 100)} % worse (${how})`)
  }
  if (lines.length === 0) lines.push(`no figure is more than ${Math.round(threshold * 100)} % worse than the committed run`)
  return lines
}

function fmt (n) {
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(3).replace(/0+$/, '').replace(/\.$/, '')
}

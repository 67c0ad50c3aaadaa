// The data directory: <dir>/profile (Chromium's, with the node's IndexedDB),
// <dir>/chromium.log, <dir>/config.json (the person's), and two files the
// runner keeps: runner-state.json (the port) and status.json (the page's last
// report, for scripts and monitoring).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_PORT, UsageError } from './options.mjs'

export function dataPaths (dir) {
  return {
    dir,
    profile: join(dir, 'profile'),
    log: join(dir, 'chromium.log'),
    state: join(dir, 'runner-state.json'),
    status: join(dir, 'status.json')
  }
}

export function ensureDataDir (dir) {
  const paths = dataPaths(dir)
  mkdirSync(paths.profile, { recursive: true, mode: 0o700 })
  return paths
}

function readJson (path) {
  try { return JSON.parse(readFileSync(path, 'utf8')) } catch { return null }
}

function writeJsonAtomically (path, value) {
  writeFileSync(`${path}.tmp`, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 })
  renameSync(`${path}.tmp`, path)
}

/** The browser keeps IndexedDB per origin, and the port is part of the
 *  origin: served on another port, the page would be a new, empty node. So
 *  the first port a data directory used is remembered and kept. */
export function choosePort (paths, requested) {
  const state = readJson(paths.state)
  const remembered = Number.isInteger(state?.port) ? state.port : null
  if (requested !== null && remembered !== null && requested !== remembered) {
    throw new UsageError(`This data directory's node is served on port ${remembered}, and the browser keeps its data per port: ` +
      `on port ${requested} it would start as a new, empty node. Use --port ${remembered} (or delete ${paths.state} to start afresh on ${requested}).`)
  }
  return { port: requested ?? remembered ?? DEFAULT_PORT, remembered: remembered !== null }
}

export function rememberPort (paths, port) {
  writeJsonAtomically(paths.state, { port })
}

export function writeStatus (paths, report, at = new Date()) {
  writeJsonAtomically(paths.status, { at: at.toISOString(), ...report })
}

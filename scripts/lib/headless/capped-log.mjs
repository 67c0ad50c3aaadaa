// Chromium's stdout and stderr go to a file in the data directory, not the
// terminal (or the journal): it is chatty. The file is kept under maxBytes by
// moving it to <file>.1 (replacing the older one), so a Pi's SD card never
// fills up however long it runs.
import { closeSync, openSync, renameSync, statSync, writeSync } from 'node:fs'

export const LOG_MAX_BYTES = 1024 * 1024

/** @param {string} path */
export function openCappedLog (path, maxBytes = LOG_MAX_BYTES) {
  let fd = openSync(path, 'a')
  let size = 0
  try { size = statSync(path).size } catch { /* new file */ }
  return {
    /** @param {Buffer | string} chunk */
    write (chunk) {
      if (fd === null) return
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      if (size > 0 && size + bytes.length > maxBytes) {
        closeSync(fd)
        renameSync(path, `${path}.1`)
        fd = openSync(path, 'a')
        size = 0
      }
      writeSync(fd, bytes.length > maxBytes ? bytes.subarray(bytes.length - maxBytes) : bytes)
      size += Math.min(bytes.length, maxBytes)
    },
    close () {
      if (fd !== null) closeSync(fd)
      fd = null
    }
  }
}

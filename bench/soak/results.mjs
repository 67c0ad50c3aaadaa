// Merges the soak figures into bench/results.json: entries of the same
// system and name are replaced, everything else is left as it is.
import { readFile, rename, writeFile } from 'node:fs/promises'

/**
 * @param {Array<Record<string, unknown>>} existing
 * @param {Array<{ system: string, figure: string }>} figures
 */
export function mergeFigures (existing, figures) {
  const replaced = new Set(figures.map((f) => `${f.system}/${f.figure}`))
  return [...existing.filter((f) => !replaced.has(`${f.system}/${f.figure}`)), ...figures]
}

/** @param {string} file @param {Array<{ system: string, figure: string }>} figures */
export async function mergeIntoResults (file, figures) {
  let existing = []
  try {
    existing = JSON.parse(await readFile(file, 'utf8'))
    if (!Array.isArray(existing)) throw new Error(`${file} is not a list of figures`)
  } catch (err) {
    if (err.code !== 'ENOENT') throw err
  }
  const tmp = `${file}.tmp`
  await writeFile(tmp, JSON.stringify(mergeFigures(existing, figures), null, 2) + '\n')
  await rename(tmp, file)
}

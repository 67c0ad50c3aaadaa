// Kith's encrypted backup (Settings → Storage and backup): a node with
// 10,000 notes exported to one encrypted file in the browser, with the real
// key-derivation settings (scrypt N=2^17, r=8, p=1), timed from the start of
// the export to the finished Blob (backup_export_s_10k_items). The KDF alone
// is a fixed cost of its own, so the figure is "KDF + reading, encoding and
// sealing 10k rows and their change log".
import { failed, figure, withHarness, withTimeout } from '../lib/index.mjs'

const SYSTEM = 'kith-backup'
const ITEMS = 10_000

export const EXPECTED_FIGURES = { backup_export_s_10k_items: 's' }

/** @param {import('../lib/contract.mjs').MeasureContext} ctx */
export function measure (ctx) {
  return withHarness(ctx, async ({ open, report, log }) => {
    const { page } = await open('kith-backup-owner')
    const seeded = await withTimeout(page.evaluate((n) => window.kithHarness.backupBenchSeed(n), ITEMS), 120_000, 'seed')
    log(`seeded ${seeded.items} items, ${seeded.logEntries} change-log entries`)
    try {
      const { seconds, kdfSeconds, bytes } = await withTimeout(page.evaluate(() => window.kithHarness.backupBenchExport('a bench passphrase of some length')), 120_000, 'export')
      log(`backup file: ${(bytes / 1024 / 1024).toFixed(2)} MB; key derivation ${kdfSeconds.toFixed(2)} s of ${seconds.toFixed(2)} s`)
      report(figure(SYSTEM, 'backup_export_s_10k_items', seconds, 's'))
    } catch (err) {
      log(`export failed: ${err.message}`)
      report(failed(SYSTEM, 'backup_export_s_10k_items', 's'))
    }
  })
}

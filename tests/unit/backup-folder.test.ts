// Backups to a folder (client/backup-folder/): the key kept in the browser
// writes files that open with the passphrase and with nothing else, and
// cannot be read out; only Kith's own files are rotated, the newest five
// kept; a backup is due daily and after a new friend, a new device or many
// new items. The folder here is an in-memory stand-in with the same calls
// as a FileSystemDirectoryHandle (the browser test uses a real handle).
import { describe, expect, it } from 'vitest'
import { BackupError, BackupReader, BackupWriter, bytesSource, type ScryptParams } from '../../shared/backup/backup-format'
import { concatBytes } from '../../shared/util/bytes'
import { makeFolderKey, preparedKey } from '../../client/backup-folder/folder-key'
import { KEEP_BACKUPS, writeAndRotate, type BackupDirectory } from '../../client/backup-folder/folder-files'
import { BACKUP_EVERY_MS, dueReason, MANY_NEW_ITEMS } from '../../client/backup-folder/folder-schedule'

const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 }
const RECORDS = [{ t: 'start', n: 1 }, { t: 'rows', rows: ['a', 'b'] }, { t: 'end' }]

async function backupWith (secret: Parameters<typeof BackupWriter.create>[0]): Promise<Uint8Array> {
  const writer = await BackupWriter.create(secret, { kdf: FAST })
  const parts = [writer.header]
  for (const r of RECORDS) parts.push(...writer.write(r))
  parts.push(...writer.finish())
  return concatBytes(...parts)
}

async function readAll (bytes: Uint8Array, passphrase: string): Promise<unknown[]> {
  const reader = await BackupReader.open(bytesSource(bytes), passphrase)
  const out: unknown[] = []
  for await (const r of reader.records()) out.push(r)
  return out
}

describe('the folder key', () => {
  it('writes backups that open with the passphrase, and not with another', async () => {
    const key = await makeFolderKey('correct horse battery', { kdf: FAST })
    const first = await backupWith(preparedKey(key))
    const second = await backupWith(preparedKey(key))
    expect(await readAll(first, 'correct horse battery')).toEqual(RECORDS)
    expect(await readAll(second, 'correct horse battery')).toEqual(RECORDS)
    const wrong = await BackupReader.open(bytesSource(first), 'correct horse battery!').then(() => null, (e: unknown) => e)
    expect(wrong).toBeInstanceOf(BackupError)
    expect((wrong as BackupError).code).toBe('WRONG_PASSPHRASE')
  })

  it('cannot be read out of the browser: the WebCrypto key is not extractable', async () => {
    const key = await makeFolderKey('correct horse battery', { kdf: FAST })
    expect(key.hmacKey.extractable).toBe(false)
    await expect(crypto.subtle.exportKey('raw', key.hmacKey)).rejects.toThrow()
  })
})

/** A folder in memory, with the calls Kith makes on a directory handle. */
function memoryFolder (names: string[] = []): BackupDirectory & { files: Map<string, Blob> } {
  const files = new Map<string, Blob>(names.map((n) => [n, new Blob(['old'])]))
  return {
    name: 'Backups',
    files,
    async getFileHandle (name, opts) {
      if (!files.has(name) && !opts?.create) throw new Error('NotFoundError')
      return {
        async createWritable () {
          let written: Blob | null = null
          return {
            async write (data: Blob) { written = data },
            async close () { files.set(name, written ?? new Blob([])) }
          }
        }
      }
    },
    async removeEntry (name) { files.delete(name) },
    async * keys () { yield * files.keys() }
  }
}

const nameAt = (day: number): string => `kith-backup-2026-12-${String(day).padStart(2, '0')}-0930.kithbackup`

describe('writing to the folder', () => {
  it('keeps the newest five of Kith’s backups and leaves every other file alone', async () => {
    const others = ['notes.txt', 'kith-backup-holiday.kithbackup', 'photo.jpg']
    const folder = memoryFolder([...others, nameAt(1), nameAt(2), nameAt(3), nameAt(4), nameAt(5)])
    const { removed } = await writeAndRotate(folder, nameAt(6), new Blob(['new']))
    expect(removed).toEqual([nameAt(1)])
    expect(await folder.files.get(nameAt(6))!.text()).toBe('new')
    expect([...folder.files.keys()].filter((n) => !others.includes(n)).sort()).toEqual([2, 3, 4, 5, 6].map(nameAt))
    for (const n of others) expect(folder.files.has(n)).toBe(true)
    expect(KEEP_BACKUPS).toBe(5)
  })

  it('refuses to write under a name that is not a Kith backup’s (nothing outside its own files)', async () => {
    const folder = memoryFolder(['notes.txt'])
    await expect(writeAndRotate(folder, '../notes.txt', new Blob(['x']))).rejects.toThrow(/not a Kith backup file name/)
    await expect(writeAndRotate(folder, 'notes.txt', new Blob(['x']))).rejects.toThrow(/not a Kith backup file name/)
    expect(await folder.files.get('notes.txt')!.text()).toBe('old')
  })
})

describe('when a backup to the folder is due', () => {
  const counts = { friends: 2, devices: 1, items: 40 }
  const last = { at: 1_000_000, counts }
  it('first, then daily', () => {
    expect(dueReason(null, 0, counts)).toBe('first')
    expect(dueReason(last, last.at + BACKUP_EVERY_MS - 1, counts)).toBeNull()
    expect(dueReason(last, last.at + BACKUP_EVERY_MS, counts)).toBe('daily')
  })
  it('sooner after a new friend, a new device or many new items', () => {
    const soon = last.at + 60_000
    expect(dueReason(last, soon, { ...counts, friends: 3 })).toBe('new friend')
    expect(dueReason(last, soon, { ...counts, devices: 2 })).toBe('new device')
    expect(dueReason(last, soon, { ...counts, items: 40 + MANY_NEW_ITEMS - 1 })).toBeNull()
    expect(dueReason(last, soon, { ...counts, items: 40 + MANY_NEW_ITEMS })).toBe('new items')
    // Fewer friends (one removed) is not a reason by itself.
    expect(dueReason(last, soon, { ...counts, friends: 1 })).toBeNull()
  })
})

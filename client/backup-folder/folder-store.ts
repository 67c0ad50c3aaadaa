// Where the folder setup is kept: its own small IndexedDB database (not the
// node's, whose settings go into backups): the directory handle (so the
// folder is picked once), the folder key (folder-key.ts) and the last write.
import Dexie, { type Table } from 'dexie'
import type { FolderKey } from './folder-key'
import type { LastWrite } from './folder-schedule'

export interface FolderSetup {
  handle: FileSystemDirectoryHandle
  key: FolderKey
  last: LastWrite | null
  lastError: string
}

const ID = 'current'

class FolderDb extends Dexie {
  declare folder: Table<FolderSetup, string>
  constructor () {
    super('kith-backup-folder')
    this.version(1).stores({ folder: '' })
  }
}

let db: FolderDb | null = null
const open = (): FolderDb => (db ??= new FolderDb())

export async function loadSetup (): Promise<FolderSetup | null> {
  return (await open().folder.get(ID)) ?? null
}

export async function saveSetup (setup: FolderSetup): Promise<void> {
  await open().folder.put(setup, ID)
}

export async function forgetSetup (): Promise<void> {
  await open().folder.delete(ID)
}

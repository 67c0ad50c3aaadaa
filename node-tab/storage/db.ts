// The node's IndexedDB, through Dexie: the only importer of Dexie on the
// server side. One database class with the whole schema (after Dexie's own
// advice); later features add tables in new versions.
import Dexie, { type EntityTable } from 'dexie'

export interface IdentityRow {
  id: 'self'
  publicKey: Uint8Array
  secretKey: Uint8Array
  createdAt: number
}

export interface SettingRow {
  key: string
  value: unknown
}

export class NodeDatabase extends Dexie {
  identity!: EntityTable<IdentityRow, 'id'>
  settings!: EntityTable<SettingRow, 'key'>

  constructor (name = 'kith-node') {
    super(name)
    this.version(1).stores({
      identity: 'id',
      settings: 'key'
    })
  }

  async getSetting<T> (key: string, guard: (v: unknown) => v is T): Promise<T | undefined> {
    const row = await this.settings.get(key)
    return row && guard(row.value) ? row.value : undefined
  }

  async putSetting (key: string, value: unknown): Promise<void> {
    await this.settings.put({ key, value })
  }
}

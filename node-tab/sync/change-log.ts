// The change log: one entry per row of a synced table, saying when it last
// changed (its stamp) and where that change sits in this device's own order
// (its seq). A deleted row keeps only its entry, a tombstone: table, key,
// stamp — no content. Peers pull entries by seq (see handlers.ts).
//
// Entries are written by a Dexie middleware under every write to a synced
// table, in the write's own transaction: no store can forget to log a change,
// and rows added by code written later (a devices store…) sync too.
import Dexie, { type DBCore, type DBCoreTable, type DBCoreTransaction, type Middleware } from 'dexie'
import { randomBytes } from '../../shared/crypto/random'
import { toHex } from '../../shared/util/bytes'
import { formatStamp, observe, parseStamp, tick, type Stamp } from './stamps'
import { encodeKey, isPersonSetting, isSyncedTable } from './tables'

export interface SyncLogRow {
  table: string
  /** The row's primary key, JSON (see encodeKey). */
  key: string
  /** This device's position of the change: peers pull "after seq". */
  seq: number
  stamp: string
  /** A tombstone: the row is gone. */
  deleted?: true
  /** The device this version came from (device-local): it already has it,
   *  so it is not sent back there (see handlers.ts). */
  from?: string
}

export const SYNC_LOG = 'syncLog'
export const DEVICE_KEY = 'sync.device'
const CLOCK_KEY = 'sync.clock'
const SEQ_KEY = 'sync.seq'

/** This device's clock during one transaction. Shared by every write in it,
 *  and changed synchronously, so writes running side by side (Promise.all)
 *  still get distinct stamps and seqs. */
interface ClockState { device: string, last: Stamp | null, seq: number }
const clocks = new WeakMap<DBCoreTransaction, Promise<ClockState>>()

function settingsOf (core: DBCore) { return core.table('settings') }

async function loadClock (core: DBCore, trans: DBCoreTransaction): Promise<ClockState> {
  const [device, clock, seq] = await settingsOf(core).getMany({ trans, keys: [DEVICE_KEY, CLOCK_KEY, SEQ_KEY] }) as Array<{ value: unknown } | undefined>
  const state: ClockState = {
    device: typeof device?.value === 'string' ? device.value : toHex(randomBytes(8)),
    last: typeof clock?.value === 'string' ? parseStamp(clock.value) : null,
    seq: Number.isSafeInteger(seq?.value) ? seq!.value as number : 0
  }
  if (device === undefined) await settingsOf(core).mutate({ type: 'put', trans, values: [{ key: DEVICE_KEY, value: state.device }] })
  return state
}

function clockIn (core: DBCore, trans: DBCoreTransaction): Promise<ClockState> {
  let state = clocks.get(trans)
  if (!state) clocks.set(trans, state = loadClock(core, trans))
  return state
}

async function saveClock (core: DBCore, trans: DBCoreTransaction, state: ClockState): Promise<void> {
  await settingsOf(core).mutate({ type: 'put', trans, values: [{ key: CLOCK_KEY, value: state.last ? formatStamp(state.last) : null }, { key: SEQ_KEY, value: state.seq }] })
}

/** Entries for changes made here: a fresh stamp and seq each. */
export async function logLocalChanges (core: DBCore, trans: DBCoreTransaction, table: string, keys: string[], deleted: boolean, wall: number): Promise<void> {
  const state = await clockIn(core, trans)
  const rows: SyncLogRow[] = keys.map((key) => {
    state.last = tick(state.last, state.device, wall)
    const row: SyncLogRow = { table, key, seq: ++state.seq, stamp: formatStamp(state.last) }
    if (deleted) row.deleted = true
    return row
  })
  // Side by side: two requests in one transaction, one wait (a friend's page writes here).
  await Promise.all([core.table(SYNC_LOG).mutate({ type: 'put', trans, values: rows }), saveClock(core, trans, state)])
}

/** Rows being written as they came from another device, per transaction:
 *  the middleware does not log them as this device's changes, since
 *  logReceivedChanges logs them right after, with their own stamp. Logging
 *  them twice cost a third of a synced page's writes. */
const arriving = new WeakMap<DBCoreTransaction, Set<string>>()
const arrivingKey = (table: string, key: string): string => `${table} ${key}`

/** Writes `entries`' rows with `write` without logging them as changes made
 *  here (every other row it writes still is); then log them with
 *  logReceivedChanges. Only for what the pull adopts as it came. */
export async function writeArriving<T> (trans: DBCoreTransaction, entries: ReadonlyArray<Pick<SyncLogRow, 'table' | 'key'>>, write: () => Promise<T>): Promise<T> {
  arriving.set(trans, new Set(entries.map((e) => arrivingKey(e.table, e.key))))
  try {
    return await write()
  } finally {
    arriving.delete(trans)
  }
}

/** Entries for changes received from another device: their stamp, our seq
 *  (so they travel on to devices that pull from us). */
export async function logReceivedChanges (core: DBCore, trans: DBCoreTransaction, entries: Array<Omit<SyncLogRow, 'seq'>>): Promise<void> {
  if (entries.length === 0) return
  const state = await clockIn(core, trans)
  const rows = entries.map((e): SyncLogRow => ({ ...e, seq: ++state.seq }))
  await core.table(SYNC_LOG).mutate({ type: 'put', trans, values: rows })
  await saveClock(core, trans, state)
}

/** Moves this device's clock past stamps it received. */
export async function observeStamps (core: DBCore, trans: DBCoreTransaction, stamps: readonly string[]): Promise<void> {
  const state = await clockIn(core, trans)
  for (const stamp of stamps) state.last = observe(state.last, parseStamp(stamp), state.device)
  await saveClock(core, trans, state)
}

/** This device's tag in stamps and friends' cursors. */
export async function deviceTag (core: DBCore, trans: DBCoreTransaction): Promise<string> {
  return (await clockIn(core, trans)).device
}

/** This device's tag, inside a read-write transaction over the settings
 *  (made on first use, as any logged write would). */
export async function thisDevice (db: Dexie): Promise<string> {
  const tx = Dexie.currentTransaction as unknown as { idbtrans: DBCoreTransaction } | null
  if (!tx) throw new Error('thisDevice runs inside a transaction')
  return deviceTag(db.core, tx.idbtrans)
}

/** Every key a write touches, from the request (or, for a range delete, the store). */
async function keysOf (table: DBCoreTable, req: Parameters<DBCoreTable['mutate']>[0]): Promise<unknown[]> {
  switch (req.type) {
    case 'deleteRange':
      return (await table.query({ trans: req.trans, values: false, query: { index: table.schema.primaryKey, range: req.range } })).result
    case 'delete': return req.keys
    default: return req.keys ?? req.values.map((v) => table.schema.primaryKey.extractKey!(v))
  }
}

function loggedTable (core: DBCore, table: DBCoreTable, wall: () => number): DBCoreTable {
  return {
    ...table,
    mutate: async (req) => {
      // Upgrades write their own entries (see db.ts, version 5).
      if ((req.trans as unknown as IDBTransaction).mode === 'versionchange') return table.mutate(req)
      const keys = await keysOf(table, req)
      const toLog = (written: unknown[]): string[] => {
        const notArriving = arriving.get(req.trans)
        return written.filter((key) => table.name !== 'settings' || isPersonSetting(key))
          .map(encodeKey).filter((key) => !notArriving?.has(arrivingKey(table.name, key)))
      }
      const deleted = req.type === 'delete' || req.type === 'deleteRange'
      // A put changes every key it names unless it fails (no index here is
      // unique: only a bad key or a full disk): its entries go side by side
      // with it, one wait instead of two (a friend's page writes here), and
      // a put that fails anyway aborts its transaction, entries and all.
      if (req.type === 'put') {
        const logged = toLog(keys)
        const logging = logged.length > 0 ? logLocalChanges(core, req.trans, table.name, logged, false, wall()) : undefined
        const abort = (): void => {
          logging?.catch(() => { /* the transaction is aborted: the entries go with it */ })
          try { (req.trans as unknown as IDBTransaction).abort() } catch { /* already finished */ }
        }
        let res: Awaited<ReturnType<typeof table.mutate>>
        try {
          res = await table.mutate(req)
        } catch (err) {
          abort()
          throw err
        }
        if (res.numFailures > 0) abort()
        else await logging
        return res
      }
      const res = await table.mutate(req)
      const logged = toLog(keys.filter((_key, i) => !(i in res.failures)))
      if (logged.length > 0) await logLocalChanges(core, req.trans, table.name, logged, deleted, wall())
      return res
    }
  }
}

/** The middleware: every read-write transaction on a synced table also
 *  holds the log and the settings (where the clock is), and every write to
 *  a synced table logs its keys. */
export function changeLogMiddleware (wall: () => number): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'kith-change-log',
    // Below Dexie's own middlewares: what this one calls is plain IndexedDB,
    // which needs none of Dexie's transaction zones across its awaits.
    level: -2,
    create: (down) => ({
      ...down,
      transaction: (stores, mode, options) => down.transaction(
        mode === 'readwrite' && stores.some(isSyncedTable) ? [...new Set([...stores, SYNC_LOG, 'settings'])] : stores, mode, options),
      table: (name) => isSyncedTable(name) ? loggedTable(down, down.table(name), wall) : down.table(name)
    })
  }
}

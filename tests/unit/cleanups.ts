// What a test set up and must undo, undone after each test, last first:
// pools and listeners close before the trackers they talk to, databases
// close before they are deleted.
import Dexie from 'dexie'
import { afterEach } from 'vitest'
import { ClientDatabase } from '../../client/cache/db'
import { NodeDatabase } from '../../node-tab/storage/db'
import { uniqueName } from './friend-fixtures'

/** Registers an afterEach that runs (and empties) the returned list, last in first out. */
export function cleanupsAfterEach (): Array<() => unknown> {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!()
  })
  return cleanups
}

function cleanedUp<D extends Dexie> (cleanups: Array<() => unknown>, db: D): D {
  cleanups.push(() => { db.close(); return Dexie.delete(db.name) })
  return db
}

/** A friend-side cache database for one test (`name` again opens the same one). */
export function clientDatabase (cleanups: Array<() => unknown>, name = uniqueName('kith-client')): ClientDatabase {
  return cleanedUp(cleanups, new ClientDatabase(name))
}

/** An owner's node database for one test. */
export function nodeDatabase (cleanups: Array<() => unknown>, name = uniqueName('kith-node')): NodeDatabase {
  return cleanedUp(cleanups, new NodeDatabase(name))
}

// The storage ceiling: plain IndexedDB, no library, what this browser on
// this machine charges for the requests Kith's storage figures are made of.
// Kith's writes and pages cost a request per row written and a wait per
// round trip; when a machine's IndexedDB is twice as slow, so are they.
// These figures anchor them in the same run, as raw's channel anchors
// Kith's RPCs (bench/lib/compare.mjs).

/** @returns {Promise<IDBDatabase>} */
function openDb (name, upgrade) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1)
    req.onupgradeneeded = () => upgrade(req.result)
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

/** Runs `body` in one transaction; resolves when it has committed. */
function inTransaction (db, store, mode, body) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode)
    let result
    tx.oncomplete = () => resolve(result)
    tx.onerror = () => reject(tx.error)
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'))
    body(tx.objectStore(store), (value) => { result = value })
  })
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1]

/** A row about the size of a synced note: a string key, an indexed position. */
function row (n) {
  const id = String(n).padStart(21, '0')
  return { id, at: [n, id], text: `note ${n} `.padEnd(120, '.') }
}

/** Milliseconds for one read-write transaction putting `rows` rows (the
 *  median of `transactions`): what a synced page's writes are made of. */
async function puts ({ rows, transactions }) {
  const db = await openDb(`bench-puts-${Math.random()}`, (d) => d.createObjectStore('rows', { keyPath: 'id' }).createIndex('at', 'at'))
  const times = []
  try {
    for (let t = 0; t < transactions; t++) {
      const started = performance.now()
      await inTransaction(db, 'rows', 'readwrite', (store) => {
        for (let i = 0; i < rows; i++) store.put(row(t * rows + i))
      })
      times.push(performance.now() - started)
    }
  } finally {
    db.close()
  }
  return median(times)
}

/** Milliseconds for a page as a friend's is made (the median of `pages`):
 *  one read-write transaction that reads the next `pageSize` + 1 rows of an
 *  index after where the last page ended, then writes one row saying what
 *  it read, and commits. The store holds `rows` rows, written first. */
async function pages ({ rows, pages, pageSize }) {
  const db = await openDb(`bench-pages-${Math.random()}`, (d) => {
    d.createObjectStore('rows', { keyPath: 'id' }).createIndex('at', 'at')
    d.createObjectStore('read', { keyPath: 'page' })
  })
  const times = []
  try {
    for (let from = 0; from < rows; from += 1000) {
      await inTransaction(db, 'rows', 'readwrite', (store) => {
        for (let n = from; n < Math.min(rows, from + 1000); n++) store.put(row(n))
      })
    }
    let after = null
    for (let p = 0; p < pages; p++) {
      const started = performance.now()
      after = await new Promise((resolve, reject) => {
        const tx = db.transaction(['rows', 'read'], 'readwrite')
        let last = null
        tx.oncomplete = () => resolve(last)
        tx.onerror = () => reject(tx.error)
        const range = after === null ? undefined : IDBKeyRange.lowerBound(after, true)
        const req = tx.objectStore('rows').index('at').getAll(range, pageSize + 1)
        req.onsuccess = () => {
          const found = req.result.slice(0, pageSize)
          // At the end of the store, the walk starts over.
          last = req.result.length > pageSize ? found.at(-1).at : null
          tx.objectStore('read').put({ page: p, ids: found.map((r) => r.id) })
        }
      })
      times.push(performance.now() - started)
    }
  } finally {
    db.close()
  }
  return median(times)
}

window.bench = { puts, pages }
window.benchReady = true

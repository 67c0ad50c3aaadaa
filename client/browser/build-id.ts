// Which build of Kith runs here, and which one the host serves now: each
// build carries build-id.json ({"id": "<12 hex>"}, scripts/lib/build-id-plugin.mjs),
// a hash of every file of the app shell. It is precached with them, so asked
// plainly the service worker answers with the running build's file; asked
// with a query the precache does not know, the host answers with its
// current one. `npm run verify -- <url>` prints the same id for a host.

const ID = /^[0-9a-f]{12}$/

async function readId (url: string, init: RequestInit = {}): Promise<string | null> {
  try {
    const res = await fetch(url, init)
    if (!res.ok) return null
    const { id } = await res.json() as { id?: unknown }
    return typeof id === 'string' && ID.test(id) ? id : null
  } catch {
    return null // offline, or not built with an id (the dev server)
  }
}

/** The id of the build this page runs. */
export function runningBuildId (): Promise<string | null> {
  return readId('./build-id.json')
}

/** The id of the build the host serves now (a new version, once one is waiting). */
export function servedBuildId (): Promise<string | null> {
  return readId(`./build-id.json?served=${Date.now()}`, { cache: 'no-store' })
}

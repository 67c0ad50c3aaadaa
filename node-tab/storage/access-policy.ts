// Who may see what. The single place where an audience is checked against a
// friend; every data handler goes through it. Not a friend: nothing at all.
import type { Audience } from '../../shared/protocol/items'

export interface Viewer {
  /** False for strangers (and removed friends): they see no item. */
  isFriend: boolean
  /** The owner's groups this friend is in (never sent to anyone). */
  groupIds: ReadonlySet<string>
}

export function canSee (audience: Audience, viewer: Viewer): boolean {
  if (!viewer.isFriend) return false
  switch (audience.kind) {
    case 'friends': return true
    case 'me': return false
    case 'groups': return audience.groupIds.some((g) => viewer.groupIds.has(g))
  }
}

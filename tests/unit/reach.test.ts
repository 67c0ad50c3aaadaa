// Whom an item will reach, said before sharing.
import { describe, expect, it } from 'vitest'
import { reachCount, reachInWords } from '../../client/elements/reach'
import type { GroupSummary } from '../../client/api/app-api'

const friends = [{ key: 'a' }, { key: 'b' }, { key: 'c' }]
const groups: GroupSummary[] = [
  { id: 'g1', name: 'family', memberKeys: ['a', 'b'] },
  { id: 'g2', name: 'work', memberKeys: ['b', 'c', 'gone'] },
  { id: 'g3', name: 'empty', memberKeys: [] }
]

describe('reach', () => {
  it('counts all friends, or the people in the chosen groups once each, friends only', () => {
    expect(reachCount({ kind: 'friends' }, friends, groups)).toBe(3)
    expect(reachCount({ kind: 'me' }, friends, groups)).toBe(0)
    expect(reachCount({ kind: 'groups', groupIds: ['g1'] }, friends, groups)).toBe(2)
    expect(reachCount({ kind: 'groups', groupIds: ['g1', 'g2'] }, friends, groups)).toBe(3) // b once; 'gone' is no friend
    expect(reachCount({ kind: 'groups', groupIds: ['g2'] }, friends, groups)).toBe(2)
    expect(reachCount({ kind: 'groups', groupIds: ['deleted'] }, friends, groups)).toBe(0)
  })

  it('says it in words', () => {
    expect(reachInWords({ kind: 'me' }, null, null)).toBe('Only you')
    expect(reachInWords({ kind: 'friends' }, friends, groups)).toBe('Will reach 3 friends')
    expect(reachInWords({ kind: 'friends' }, [{ key: 'a' }], groups)).toBe('Will reach 1 friend')
    expect(reachInWords({ kind: 'friends' }, [], groups)).toMatch(/^Will reach no one yet/)
    expect(reachInWords({ kind: 'groups', groupIds: ['g3'] }, friends, groups)).toMatch(/^Will reach no one: that group/)
    expect(reachInWords({ kind: 'groups', groupIds: ['g1'] }, friends, groups)).toBe('Will reach 2 friends')
    expect(reachInWords({ kind: 'groups', groupIds: [] }, friends, groups)).toBe('')
    expect(reachInWords({ kind: 'friends' }, null, groups)).toBe('') // still loading
  })
})

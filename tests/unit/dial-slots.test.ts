import { describe, expect, it } from 'vitest'
import { DialSlots } from '../../node-tab/connections/dial-slots'

describe('DialSlots', () => {
  it('never runs more tasks at once than its size, and runs them all', async () => {
    const slots = new DialSlots(3)
    let running = 0
    let peak = 0
    const task = async (): Promise<number> => {
      running++
      peak = Math.max(peak, running)
      await new Promise((resolve) => setTimeout(resolve, 5))
      running--
      return 1
    }
    const results = await Promise.all(Array.from({ length: 20 }, () => slots.run(task)))
    expect(results).toHaveLength(20)
    expect(peak).toBe(3)
  })

  it('a waiting task can be cancelled and a failing task frees its slot', async () => {
    const slots = new DialSlots(1)
    let release!: () => void
    const first = slots.run(() => new Promise<void>((resolve) => { release = resolve }))
    const controller = new AbortController()
    const waiting = slots.run(async () => 'ran', controller.signal)
    controller.abort()
    await expect(waiting).rejects.toBeDefined()
    release()
    await first
    await expect(slots.run(async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await slots.run(async () => 'free again')).toBe('free again')
  })
})

// Closing the serving tab warns unless another device of mine serves always:
// a linked server that is not revoked (this tab itself never counts).
import { describe, expect, it } from 'vitest'
import type { DeviceView } from '../../client/api/devices-api'
import { hasAlwaysOnDevice } from '../../client/boot/leave-warning'

function device (over: Partial<DeviceView>): DeviceView {
  return { key: 'aa', name: 'Laptop', role: 'full', linkedAt: 1, lastSeenAt: null, online: false, thisDevice: false, revokedAt: null, pendingChanges: 0, ...over }
}

describe('hasAlwaysOnDevice', () => {
  it('is true with a linked server device', () => {
    expect(hasAlwaysOnDevice([device({ thisDevice: true }), device({ key: 'bb', role: 'server', name: 'Pi' })])).toBe(true)
  })

  it('is false with only full devices, a revoked server, or when this tab is the server', () => {
    expect(hasAlwaysOnDevice([])).toBe(false)
    expect(hasAlwaysOnDevice([device({ thisDevice: true }), device({ key: 'bb' })])).toBe(false)
    expect(hasAlwaysOnDevice([device({ key: 'bb', role: 'server', revokedAt: 5 })])).toBe(false)
    expect(hasAlwaysOnDevice([device({ role: 'server', thisDevice: true })])).toBe(false)
  })
})

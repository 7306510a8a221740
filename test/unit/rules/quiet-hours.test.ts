import { describe, expect, it } from 'vitest'
import { inQuietHours } from '../../../shared/rules/quiet-hours'

const at = (h: number, m = 0) => new Date(2026, 11, 2, h, m)

describe('quiet hours', () => {
  it('span midnight when they start later than they end', () => {
    const q = { from: '22:00', until: '07:00' }
    expect(inQuietHours(q, at(23, 30))).toBe(true)
    expect(inQuietHours(q, at(3))).toBe(true)
    expect(inQuietHours(q, at(7))).toBe(false)
    expect(inQuietHours(q, at(12))).toBe(false)
    expect(inQuietHours(q, at(22))).toBe(true)
  })

  it('hold within one day otherwise; none set or an empty span is never quiet', () => {
    const q = { from: '12:30', until: '13:15' }
    expect(inQuietHours(q, at(12, 45))).toBe(true)
    expect(inQuietHours(q, at(13, 15))).toBe(false)
    expect(inQuietHours(null, at(3))).toBe(false)
    expect(inQuietHours({ from: '09:00', until: '09:00' }, at(9))).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { formatBytes, quotaState } from '../../../shared/rules/quota'
import { folderRights } from '../../../shared/rules/rights'

describe('quotaState (R5, R6)', () => {
  it.each([
    [0, 100, 'ok', 0],
    [89, 100, 'ok', 89],
    [90, 100, 'warning', 90],
    [99.9, 100, 'warning', 99.9],
    [100, 100, 'full', 100],
    [130, 100, 'full', 130],
  ])('%d of %d is %s', (used, limit, level, percent) => {
    expect(quotaState(used, limit)).toEqual({ used, limit, level, percent })
  })

  it('treats a mailbox without a limit as never full', () => {
    expect(quotaState(10 ** 12, null)).toEqual({ used: 10 ** 12, limit: null, level: 'ok', percent: null })
  })

  it('formats sizes the way people read them', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(50 * 1024 * 1024), formatBytes(1.25 * 1024 ** 3)]).toEqual(['512 B', '1.5 KB', '50 MB', '1.3 GB'])
  })
})

describe('folderRights (RFC 4314 MYRIGHTS)', () => {
  it.each([
    ['lrwstipekxa', { read: true, write: true, seen: true, insert: true, delete: true }],
    ['lrws', { read: true, write: true, seen: true, insert: false, delete: false }],
    ['lr', { read: true, write: false, seen: false, insert: false, delete: false }],
    ['lrt', { read: true, write: false, seen: false, insert: false, delete: false }],
    ['lrcd', { read: true, write: false, seen: false, insert: false, delete: true }],
  ])('%s', (rights, expected) => {
    expect(folderRights(rights)).toEqual(expected)
  })

  it('assumes full rights on a server without ACL (its own mailbox)', () => {
    expect(folderRights(null).delete).toBe(true)
  })
})

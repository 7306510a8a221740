import { describe, expect, it } from 'vitest'
import { base64Bytes } from '../../../renderer/src/mail/files'

describe('a base64 text\'s size in bytes', () => {
  it('is the decoded length, whatever the padding', () => {
    for (let n = 0; n <= 70; n++) {
      const bytes = Buffer.alloc(n, 0xa5)
      expect(base64Bytes(bytes.toString('base64'))).toBe(n)
    }
  })
})

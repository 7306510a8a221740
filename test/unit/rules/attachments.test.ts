import { describe, expect, it } from 'vitest'
import { checkedType, extensionOf, safeFilename, viewableType } from '../../../shared/rules/attachments'

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)))

describe('safeFilename: the sender names the file, Tandem decides what it is called', () => {
  it.each([
    ['invoice\u202Efdp.exe', undefined, 'invoicefdp.exe'],
    ['report\u2067\u2066.pdf\u2069.exe', undefined, 'report.pdf.exe'],
    ['zero\u200Bwidth\uFEFF.txt', 'text/plain', 'zerowidth.txt'],
    ['line\r\nbreak\u0007.txt', 'text/plain', 'linebreak.txt'],
    ['../../etc/passwd', undefined, 'passwd'],
    ['C:\\Windows\\System32\\evil.dll', undefined, 'evil.dll'],
    ['..\\..\\startup\\run.bat', undefined, 'run.bat'],
    ['.bashrc', undefined, 'bashrc'],
    ['name:with*odd?chars|.doc', undefined, 'name_with_odd_chars_.doc'],
    ['trailing dots...', undefined, 'trailing dots'],
    ['CON.txt', 'text/plain', '_CON.txt'],
    ['lpt1', undefined, '_lpt1'],
    ['', undefined, 'attachment'],
    [null, 'image/png', 'attachment.png'],
    ['photo.exe', 'image/png', 'photo.exe.png'],
    ['scan.PDF', 'application/pdf', 'scan.PDF'],
    ['notes', 'text/plain', 'notes.txt'],
    ['holiday.jpeg', 'image/jpeg', 'holiday.jpeg'],
  ])('%j (%s) is saved as %j', (raw, type, expected) => {
    expect(safeFilename(raw, type)).toBe(expected)
  })

  it('keeps a long name within bounds, extension intact', () => {
    const name = safeFilename(`${'a'.repeat(400)}.pdf`, 'application/pdf')
    expect(name.length).toBeLessThanOrEqual(180)
    expect(name.endsWith('.pdf')).toBe(true)
  })
})

describe('checkedType: a type Tandem would show is believed only when the content proves it', () => {
  it.each([
    ['image/png', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a]), 'image/png'],
    ['image/png', bytes('<html><script>'), 'application/octet-stream'],
    ['image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg'],
    ['image/gif', bytes('GIF89a'), 'image/gif'],
    ['image/webp', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '), 'image/webp'],
    ['application/pdf', bytes('%PDF-1.7'), 'application/pdf'],
    ['application/pdf', bytes('MZ', [0x90, 0]), 'application/octet-stream'],
    ['text/plain', bytes('line one of the notes'), 'text/plain'],
    ['text/plain', bytes('MZ', [0x90, 0, 3, 0]), 'application/octet-stream'],
    ['text/plain; charset=utf-8', bytes('hello'), 'text/plain'],
    ['text/html', bytes('<p>hi</p>'), 'application/octet-stream'],
    ['image/svg+xml', bytes('<svg onload=alert(1)>'), 'application/octet-stream'],
  ])('%s starting %j is %s', (declared, head, expected) => {
    expect(checkedType(declared, head)).toBe(expected)
  })
})

describe('viewableType: only images, PDF and plain text open in place, and only under their own extension', () => {
  it.each([
    ['image/png', true], ['application/pdf', true], ['text/plain; charset=utf-8', true],
    ['text/html', false], ['image/svg+xml', false], ['application/x-msdownload', false],
    ['application/hta', false], ['application/javascript', false], ['application/octet-stream', false],
    ['constructor', false], ['__proto__', false],
  ])('%s → %s', (type, viewable) => {
    expect(viewableType(type, null) !== null).toBe(viewable)
  })

  it.each([
    ['application/pdf', 'invoice\u202Efdp.exe', null], ['application/pdf', 'scan.pdf', 'application/pdf'], ['image/png', 'photo.exe', null],
    ['image/png', 'no-extension', 'image/png'], ['text/plain', 'notes.txt', 'text/plain'], ['text/plain', 'run.bat', null], ['text/html', 'page.html', null],
  ])('declared %s named %j is shown as %s', (type, name, shown) => {
    expect(viewableType(type, name)).toBe(shown)
  })

  it('names the real extension', () => {
    expect([extensionOf('invoicefdp.exe'), extensionOf('a.tar.GZ'), extensionOf('README'), extensionOf('x.')]).toEqual(['exe', 'gz', '', ''])
  })
})

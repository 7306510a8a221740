/**
 * What Tandem does with a file attached to a mail, whose name and type the sender chose.
 *
 * Only the types Tandem shows itself, in a sandboxed viewer that runs nothing, are ever opened
 * in place; everything else can only be saved. Nothing is handed to the operating system to
 * "open", so `invoice.exe`, `.hta`, `.lnk` or `.js` never run from a click in Tandem.
 */

/** Types shown in place, and the extensions a saved copy of each may carry (first: the one added). */
const VIEWABLE: Record<string, string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg', 'jpe'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'image/bmp': ['bmp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt', 'text', 'log', 'csv'],
}

/**
 * The type to show an attachment as, or null when it is only ever saved: a viewable declared
 * type whose name has no extension or one of that type's. A name that says `.exe` is saved as
 * what it says, whatever type the sender declared, so the list never shows a program as a PDF.
 */
export function viewableType(declared: string, filename: string | null | undefined): string | null {
  const type = declared.split(';')[0]!.trim().toLowerCase()
  if (!Object.hasOwn(VIEWABLE, type)) return null
  const ext = extensionOf(safeFilename(filename))
  return !ext || VIEWABLE[type]!.includes(ext) ? type : null
}

const startsWith = (head: Uint8Array, bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b)
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0))

/**
 * The type the first bytes of a file prove, for the types Tandem would show: a declared
 * `image/png` that is not a PNG is shown as nothing and only saved. Plain text is text when
 * its start holds no NUL and no byte sequence of a known binary format.
 */
export function checkedType(declared: string, head: Uint8Array): string {
  const type = declared.split(';')[0]!.trim().toLowerCase()
  const proven: Record<string, boolean> = {
    'image/png': startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    'image/jpeg': startsWith(head, [0xff, 0xd8, 0xff]),
    'image/gif': startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a')),
    'image/webp': startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8),
    'image/bmp': startsWith(head, ascii('BM')),
    'application/pdf': startsWith(head, ascii('%PDF-')),
    'text/plain': !head.includes(0) && !startsWith(head, ascii('MZ')) && !startsWith(head, [0x7f, 0x45, 0x4c, 0x46]),
  }
  return proven[type] ? type : 'application/octet-stream'
}

// Characters that change how a name reads without being seen: C0/C1 controls, bidi embeddings,
// overrides and isolates (U+202E makes "invoice\u202Efdp.exe" read "invoiceexe.pdf"), zero-width
// marks, the BOM, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g
const RESERVED = /[<>:"/\\|?*]/g
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i
const MAX_NAME = 180

/** The extension of a (clean) file name, lower case, without the dot; '' when it has none. */
export function extensionOf(name: string): string {
  const m = /\.([^.\s]{1,16})$/.exec(name)
  return m ? m[1]!.toLowerCase() : ''
}

/**
 * A file name that is safe to show and to save under: the sender's name without path parts,
 * invisible or reordering characters, characters Windows refuses, leading dots or a device
 * name; and, for a type Tandem checked, an extension that matches it ("photo.exe" that is a
 * PNG is saved as "photo.exe.png").
 */
export function safeFilename(raw: string | null | undefined, type = 'application/octet-stream'): string {
  const base = (raw ?? '').normalize('NFC').replace(INVISIBLE, '').split(/[\\/]/).pop() ?? ''
  let name = base.replace(RESERVED, '_').replace(/\s+/g, ' ').trim().replace(/^[.\s]+/, '').replace(/[.\s]+$/, '')
  if (WINDOWS_DEVICE.test(name)) name = `_${name}`
  const allowed = VIEWABLE[type.split(';')[0]!.trim().toLowerCase()]
  let ext = extensionOf(name)
  if (allowed && !allowed.includes(ext)) { name = `${name || 'attachment'}.${allowed[0]}`; ext = allowed[0]! }
  if (!name) name = 'attachment'
  if (name.length > MAX_NAME) {
    const keep = ext ? ext.length + 1 : 0
    name = name.slice(0, MAX_NAME - keep).trimEnd() + (ext ? `.${ext}` : '')
  }
  return name
}

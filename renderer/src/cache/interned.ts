import type { Address, MessageSummary } from '../../../shared/domain'

/**
 * One copy of what many summaries repeat. Every summary read out of IndexedDB (or from the
 * service) brings its own copy of each string and object: at 100 000 messages the renderer held
 * 357 000 copies of the mailbox id, 148 000 of the folder id, 119 000 of the mailbox's address —
 * about 35 MB of the heap in repeats (a heap snapshot of the conversation benchmark). Rows read
 * are made to share them before anything keeps them. Summaries are never changed in place (a
 * change makes a new row), so sharing their address objects and flag lists is safe.
 */
/** Past this many distinct values a table stops growing (a mailbox with that many correspondents gains little). */
const MOST = 250_000

const strings = new Map<string, string>()
const addresses = new Map<string, Map<string, Address>>()
const flagLists = new Map<string, string[]>()
const NONE: Address[] = []

function str(s: string): string {
  const had = strings.get(s)
  if (had !== undefined) return had
  if (strings.size < MOST) strings.set(s, s)
  return s
}

function address(a: Address): Address {
  let byName = addresses.get(a.address)
  const had = byName?.get(a.name)
  if (had) return had
  if (addresses.size >= MOST) return a
  if (!byName) addresses.set(str(a.address), (byName = new Map()))
  const one = { ...a, name: str(a.name), address: str(a.address) }
  byName.set(one.name, one)
  return one
}

function list(xs: Address[]): Address[] {
  if (!xs.length) return NONE
  for (let i = 0; i < xs.length; i++) xs[i] = address(xs[i]!)
  return xs
}

function flags(fs: string[]): string[] {
  const key = fs.length === 1 ? fs[0]! : fs.join('\u0000')
  const had = flagLists.get(key)
  if (had) return had
  const one = fs.map(str)
  if (flagLists.size < MOST) flagLists.set(key, one)
  return one
}

/** Makes a freshly read summary share the repeated strings and objects (in place: nobody holds it yet); returns it. */
export function interned(m: MessageSummary): MessageSummary {
  m.folderId = str(m.folderId)
  m.mailboxId = str(m.mailboxId)
  m.from = list(m.from)
  m.to = list(m.to)
  m.cc = list(m.cc)
  m.flags = flags(m.flags)
  if (m.sender) m.sender = address(m.sender)
  if (m.draftBy) m.draftBy = address(m.draftBy)
  return m
}

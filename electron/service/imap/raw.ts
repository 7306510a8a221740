import type { ImapFlow } from 'imapflow'

// imapflow has no MYRIGHTS (RFC 4314) or GETMETADATA (RFC 5464) command. Its own commands are
// built on exec() with handlers for untagged responses; these two use it the same way.

interface Attribute { type?: string; value?: unknown }
interface Untagged { attributes?: (Attribute | Attribute[])[] }
interface Exec {
  exec(command: string, attributes: Attribute[], options?: { untagged?: Record<string, (u: Untagged) => Promise<void>> }): Promise<{ next(): void }>
}

const str = (a: Attribute | Attribute[] | undefined): string | null => {
  if (!a || Array.isArray(a)) return null
  const v = a.value
  if (typeof v === 'string') return v
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8')
  return null
}

async function run(client: ImapFlow, command: string, attributes: Attribute[], untagged: Record<string, (u: Untagged) => Promise<void>>): Promise<boolean> {
  try {
    const response = await (client as unknown as Exec).exec(command, attributes, { untagged })
    response.next()
    return true
  } catch {
    return false
  }
}

/** The person's rights on a folder, or null when the server has no ACL extension or refuses. */
export async function myRights(client: ImapFlow, path: string): Promise<string | null> {
  if (!client.capabilities.has('ACL')) return null
  let rights: string | null = null
  const ok = await run(client, 'MYRIGHTS', [{ type: 'STRING', value: path }], {
    MYRIGHTS: async (u) => { rights = str(u.attributes?.[1]) },
  })
  return ok ? rights : null
}

/** One METADATA entry of a folder ("" for the server), or null when absent or unsupported. */
export async function getMetadata(client: ImapFlow, path: string, entry: string): Promise<string | null> {
  if (!client.capabilities.has('METADATA') && !client.capabilities.has('METADATA-SERVER')) return null
  let value: string | null = null
  await run(client, 'GETMETADATA', [{ type: 'STRING', value: path }, { type: 'ATOM', value: entry }], {
    METADATA: async (u) => {
      const list = u.attributes?.[1]
      if (Array.isArray(list)) {
        for (let i = 0; i + 1 < list.length; i += 2) {
          if (str(list[i])?.toLowerCase() === entry.toLowerCase()) value = str(list[i + 1])
        }
      }
    },
  })
  return value
}

import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ApiError } from '../../../shared/api/errors'
import type { SavedReply } from '../../../shared/rules/saved-replies'
import { useApi } from '../api/use-api'
import { apiErrorOf } from '../api/failure'
import { i18n } from '../i18n'
import { useSessionStore } from './session'
import { cleanHtml } from '../components/compose/clean-html'

/** A file of a saved reply with its bytes (base64), as the composer attaches it and a save sends it. */
export interface ReplyFileContent { filename: string; contentType: string; contentBase64: string }

/** How much of a mailbox's saved replies' files is fetched ahead for offline use; more is fetched on first use. */
const KEEP_AHEAD_BYTES = 25 * 1024 * 1024

/** A mailbox's saved replies as this device knows them: from the server, or as last read (`problem` says why not fresh). */
export interface MailboxReplies { replies: SavedReply[]; authors: 'confirmed' | 'claimed'; readAt: number; problem: ApiError | null }

/**
 * Saved replies (shared/rules/saved-replies.ts): a shared mailbox's are its team's, the own
 * mailbox's the person's; both kept in that mailbox's team folder on the server. Read from the
 * device's cache first (IndexedDB: they work offline and show at once), then from the server,
 * which replaces them. Every reply's HTML is cleaned when it is read (a member wrote it).
 */
export const useSavedRepliesStore = defineStore('savedReplies', () => {
  const api = useApi()
  const session = useSessionStore()
  /** By mailbox id. */
  const byMailbox = ref<Record<string, MailboxReplies>>({})
  const reading = new Map<string, Promise<MailboxReplies>>()

  // A cache written before replies carried files has none.
  const cleaned = (replies: SavedReply[]) => replies.map((r) => ({ ...r, html: cleanHtml(r.html), files: r.files ?? [], filesUid: r.filesUid ?? null }))
  const put = (mailboxId: string, m: MailboxReplies) => { byMailbox.value = { ...byMailbox.value, [mailboxId]: m } }

  /** What the device's cache holds for a mailbox, when nothing is in memory yet. */
  async function fromCache(mailboxId: string): Promise<void> {
    if (byMailbox.value[mailboxId]) return
    const row = await session.db?.savedReplies.get(mailboxId)
    if (row && !byMailbox.value[mailboxId]) put(mailboxId, { replies: cleaned(row.replies), authors: row.authors, readAt: row.readAt, problem: null })
  }

  /**
   * A mailbox's saved replies: the cache's at once, then the server's (stored for next time).
   * When the server cannot be asked, what the cache had stays, with the reason.
   */
  function load(mailboxId: string): Promise<MailboxReplies> {
    const running = reading.get(mailboxId)
    if (running) return running
    const p = (async () => {
      await fromCache(mailboxId)
      try {
        const r = await api.call('replies.list', { mailboxId })
        const m: MailboxReplies = { replies: cleaned(r.replies), authors: r.authors, readAt: Date.now(), problem: null }
        put(mailboxId, m)
        await session.db?.savedReplies.put({ mailboxId, replies: r.replies, authors: r.authors, readAt: m.readAt })
        void keepFiles(mailboxId, m.replies).catch((e: unknown) => console.warn('tandem: saved replies\' files not kept', apiErrorOf(e).code))
        return m
      } catch (e) {
        const m: MailboxReplies = { ...(byMailbox.value[mailboxId] ?? { replies: [], authors: 'claimed', readAt: 0 }), problem: apiErrorOf(e) }
        put(mailboxId, m)
        return m
      }
    })().finally(() => reading.delete(mailboxId))
    reading.set(mailboxId, p)
    return p
  }

  /** Reads every mailbox's saved replies (cache first, then the server), one after another. */
  async function loadAll(): Promise<void> {
    for (const m of session.session?.mailboxes ?? []) await load(m.id)
  }

  /** The person's own mailbox's id. */
  const ownMailbox = () => session.session?.mailboxes.find((m) => m.kind === 'own')?.id ?? null

  /**
   * The saved replies a message from this mailbox offers: the mailbox's team replies (when it is
   * shared) and the person's own, deleted ones left out; from memory, so the `/` list shows at once.
   */
  function offered(mailboxId: string): (SavedReply & { mailboxId: string })[] {
    const ids = [...new Set([mailboxId, ownMailbox()].filter((x): x is string => !!x))]
    return ids.flatMap((id) => (byMailbox.value[id]?.replies ?? []).filter((r) => !r.deleted).map((r) => ({ ...r, mailboxId: id })))
  }

  /** Reads what a message from this mailbox offers: cache first, then the server. */
  async function prepare(mailboxId: string): Promise<void> {
    const ids = [...new Set([mailboxId, ownMailbox()].filter((x): x is string => !!x))]
    await Promise.all(ids.map((id) => fromCache(id)))
    void Promise.all(ids.map((id) => load(id)))
  }

  /**
   * A saved reply's files, as the composer attaches them: from this device's cache, else from
   * the server (checked there against the reply's record), then kept here for offline use.
   */
  async function filesOf(mailboxId: string, r: Pick<SavedReply, 'files' | 'filesUid'>): Promise<ReplyFileContent[]> {
    if (!r.files.length || r.filesUid === null) return []
    const db = session.db
    const cached = db ? await db.savedReplyFiles.bulkGet(r.files.map((f) => [mailboxId, f.sha256] as [string, string])) : []
    if (cached.length === r.files.length && cached.every(Boolean)) return r.files.map((f, i) => ({ filename: f.name, contentType: f.type, contentBase64: cached[i]!.contentBase64 }))
    const got = await api.call('replies.files', { mailboxId, uid: r.filesUid })
    await db?.savedReplyFiles.bulkPut(got.files.map((f) => ({ mailboxId, sha256: f.sha256, contentBase64: f.contentBase64 })))
    return got.files.map(({ filename, contentType, contentBase64 }) => ({ filename, contentType, contentBase64 }))
  }

  /**
   * Keeps a mailbox's saved replies' files on this device, so they work offline: fetched ahead
   * while they come to KEEP_AHEAD_BYTES (the rest on first use), and files no reply names any
   * more are let go.
   */
  async function keepFiles(mailboxId: string, replies: SavedReply[]): Promise<void> {
    const db = session.db
    if (!db) return
    const named = new Set(replies.flatMap((r) => r.files.map((f) => f.sha256)))
    const kept = new Set((await db.savedReplyFiles.where('mailboxId').equals(mailboxId).primaryKeys()).map(([, sha]) => sha))
    const gone = [...kept].filter((sha) => !named.has(sha))
    if (gone.length) await db.savedReplyFiles.bulkDelete(gone.map((sha) => [mailboxId, sha] as [string, string]))
    let budget = KEEP_AHEAD_BYTES
    for (const r of replies) {
      if (r.deleted || !r.files.length || r.files.every((f) => kept.has(f.sha256))) continue
      const size = r.files.reduce((n, f) => n + f.size, 0)
      if (size > budget) continue
      budget -= size
      await filesOf(mailboxId, r)
    }
  }

  async function change(mailboxId: string, op: 'save' | 'delete' | 'restore', reply: string, content?: { name: string; html: string; files: ReplyFileContent[] }): Promise<void> {
    const locale = i18n.global.locale.value
    const base = { mailboxId, id: crypto.randomUUID(), reply, at: Date.now(), locale }
    await api.call('replies.change', op === 'save' ? { ...base, op, name: content!.name.trim(), html: cleanHtml(content!.html), ...(content!.files.length ? { files: content!.files } : {}) } : { ...base, op })
    // A read that started before the change may not hold it: that one ends first, then a read of now.
    await reading.get(mailboxId)?.catch(() => undefined)
    await load(mailboxId)
  }

  /** Saves a saved reply (a new one when `reply` is null) with the files it carries; returns its id. */
  async function save(mailboxId: string, reply: string | null, name: string, html: string, files: ReplyFileContent[] = []): Promise<string> {
    const id = reply ?? crypto.randomUUID()
    await change(mailboxId, 'save', id, { name, html, files })
    return id
  }
  /** Deletes a saved reply: a record of who did, so any member can bring it back (R10). */
  const remove = (mailboxId: string, reply: string) => change(mailboxId, 'delete', reply)
  /** Brings a deleted saved reply back. */
  const restore = (mailboxId: string, reply: string) => change(mailboxId, 'restore', reply)

  return { byMailbox, load, loadAll, offered, prepare, save, remove, restore, ownMailbox, filesOf }
})

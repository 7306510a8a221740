import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { ApiError } from '../../../shared/api/errors'
import { apiErrorOf } from '../api/failure'
import type { Folder } from '../../../shared/domain'
import { useApi } from '../api/use-api'
import { useSessionStore } from './session'

/** Where the folder a person last had open is kept, per account, on this device. */
const LAST_KEY = (address: string) => `tandem.lastFolder.${address.toLowerCase()}`
interface LastFolder { mailboxId: string; folderId: string }
function readLast(address: string | undefined): LastFolder | null {
  if (!address) return null
  try {
    const v = JSON.parse(globalThis.localStorage?.getItem(LAST_KEY(address)) ?? 'null') as Partial<LastFolder> | null
    return typeof v?.mailboxId === 'string' && typeof v.folderId === 'string' ? { mailboxId: v.mailboxId, folderId: v.folderId } : null
  } catch { return null }
}
function writeLast(address: string | undefined, last: LastFolder | null): void {
  if (!address) return
  try {
    if (last) globalThis.localStorage?.setItem(LAST_KEY(address), JSON.stringify(last))
    else globalThis.localStorage?.removeItem(LAST_KEY(address))
  } catch { /* storage full or absent: the choice lasts this session */ }
}

/** The folders of each mailbox and which one is selected: from the cache first, then the server. */
export const useFoldersStore = defineStore('folders', () => {
  const api = useApi()
  const session = useSessionStore()
  const byMailbox = ref<Record<string, Folder[]>>({})
  const loading = ref<Record<string, boolean>>({})
  const errors = ref<Record<string, ApiError | undefined>>({})
  const selectedId = ref<string | null>(null)

  const all = computed(() => Object.values(byMailbox.value).flat())
  const selected = computed(() => all.value.find((f) => f.id === selectedId.value) ?? null)
  const byId = (id: string) => all.value.find((f) => f.id === id) ?? null

  async function load(mailboxId: string): Promise<void> {
    const db = session.db
    if (db && !byMailbox.value[mailboxId]) {
      const cached = await db.folders.where('mailboxId').equals(mailboxId).toArray()
      if (cached.length) set(mailboxId, cached)
    }
    loading.value = { ...loading.value, [mailboxId]: true }
    try {
      const folders = await api.call('folders.list', { mailboxId })
      fromServer.add(mailboxId)
      set(mailboxId, folders)
      errors.value = { ...errors.value, [mailboxId]: undefined }
      if (db) {
        await db.transaction('rw', db.folders, async () => {
          await db.folders.where('mailboxId').equals(mailboxId).delete()
          await db.folders.bulkPut(folders)
        })
      }
    } catch (e) {
      errors.value = { ...errors.value, [mailboxId]: apiErrorOf(e) }
      autoSelect()
    } finally {
      loading.value = { ...loading.value, [mailboxId]: false }
    }
  }

  /** True while the selection is Tandem's choice, not the person's. */
  let autoSelected = true
  /** Mailboxes whose folder list came from the server (not only the cache) since sign-in. */
  const fromServer = new Set<string>()
  /** The folder the person had open last time, until it is selected or known to be gone (then their Inbox). */
  let pendingLast: LastFolder | null | undefined
  const me = () => session.session?.account.address

  function set(mailboxId: string, folders: Folder[]): void {
    byMailbox.value = { ...byMailbox.value, [mailboxId]: folders }
    autoSelect()
  }

  const inboxOf = (folders: Folder[] | undefined) => folders?.find((f) => f.role === 'inbox')?.id ?? folders?.[0]?.id ?? null
  const isOwn = (mailboxId: string) => session.session?.mailboxes.find((m) => m.id === mailboxId)?.kind === 'own'

  /**
   * Starts on the person's own Inbox, whichever mailbox's folders arrive first: a shared Inbox
   * shown for a moment would make "New message" write from the shared mailbox. Only when the own
   * mailbox's folders cannot be had does the first shared Inbox stand in, until they come.
   */
  function autoSelect(): void {
    if (!autoSelected) return
    if (pendingLast === undefined) pendingLast = readLast(me())
    const last = pendingLast
    if (last) {
      if (byMailbox.value[last.mailboxId]?.some((f) => f.id === last.folderId)) {
        // Still there in what is known (the cache first): open it. The server's list may yet say otherwise.
        selectedId.value = last.folderId
        // Confirmed by the server: from now on the selection changes only when the person chooses.
        if (fromServer.has(last.mailboxId)) { pendingLast = null; autoSelected = false }
        return
      }
      const mailboxGone = session.session && !session.session.mailboxes.some((m) => m.id === last.mailboxId)
      if (mailboxGone || fromServer.has(last.mailboxId)) {
        // Deleted or renamed on the server meanwhile, or the mailbox is no longer the person's: the Inbox.
        pendingLast = null
        writeLast(me(), null)
        if (selectedId.value === last.folderId) selectedId.value = null
      }
    }
    const own = Object.keys(byMailbox.value).find(isOwn)
    const ownInbox = own ? inboxOf(byMailbox.value[own]) : null
    if (ownInbox) selectedId.value = ownInbox
    else if (!selectedId.value && Object.keys(errors.value).some((id) => isOwn(id) && errors.value[id])) {
      selectedId.value = Object.values(byMailbox.value).map(inboxOf).find((id) => id !== null) ?? null
    }
  }

  /** Adjusts a folder's unread count after a local change (the next sync corrects it). */
  function bumpUnseen(folderId: string, delta: number): void {
    const f = byId(folderId)
    if (f && f.unseen !== null) f.unseen = Math.max(0, f.unseen + delta)
  }

  function setCounts(folderId: string, unseen: number, total: number): void {
    const f = byId(folderId)
    if (f) { f.unseen = unseen; f.total = total }
  }

  function forget(mailboxId: string): void {
    const { [mailboxId]: _gone, ...rest } = byMailbox.value
    byMailbox.value = rest
    if (selected.value === null || selected.value.mailboxId === mailboxId) {
      selectedId.value = Object.values(rest).flat().find((f) => f.role === 'inbox')?.id ?? null
    }
  }

  // The service keeps the connections of the mailbox on screen longest (R9: the connection budget).
  watch(() => selected.value?.mailboxId, (mailboxId) => {
    if (mailboxId) void api.call('mailboxes.focus', { mailboxId }).catch(() => undefined)
  })

  /** The person opens a folder: it is the one a reload returns to. */
  function select(id: string): void {
    autoSelected = false
    pendingLast = null
    selectedId.value = id
    const f = byId(id)
    if (f) writeLast(me(), { mailboxId: f.mailboxId, folderId: f.id })
  }

  return { byMailbox, loading, errors, selectedId, selected, all, byId, load, select, forget, bumpUnseen, setCounts }
})

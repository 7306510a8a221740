import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { ApiError } from '../../../shared/api/errors'
import { apiErrorOf } from '../api/failure'
import type { Folder } from '../../../shared/domain'
import { useApi } from '../api/use-api'
import { useSessionStore } from './session'

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

  function select(id: string): void {
    autoSelected = false
    selectedId.value = id
  }

  function reset(): void {
    byMailbox.value = {}
    selectedId.value = null
    autoSelected = true
  }

  return { byMailbox, loading, errors, selectedId, selected, all, byId, load, select, reset, forget, bumpUnseen, setCounts }
})

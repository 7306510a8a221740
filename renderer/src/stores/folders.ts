import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiFailure, type ApiError } from '../../../shared/api/errors'
import type { Folder } from '../../../shared/domain'
import { useApi } from '../api/use-api'

/** The folders of each mailbox and which one is selected. */
export const useFoldersStore = defineStore('folders', () => {
  const api = useApi()
  const byMailbox = ref<Record<string, Folder[]>>({})
  const loading = ref<Record<string, boolean>>({})
  const errors = ref<Record<string, ApiError | undefined>>({})
  const selectedId = ref<string | null>(null)

  async function load(mailboxId: string): Promise<void> {
    loading.value = { ...loading.value, [mailboxId]: true }
    try {
      const folders = await api.call('folders.list', { mailboxId })
      byMailbox.value = { ...byMailbox.value, [mailboxId]: folders }
      errors.value = { ...errors.value, [mailboxId]: undefined }
      if (!selectedId.value) selectedId.value = folders.find((f) => f.role === 'inbox')?.id ?? folders[0]?.id ?? null
    } catch (e) {
      errors.value = { ...errors.value, [mailboxId]: e instanceof ApiFailure ? e.error : { code: 'internal', message: String(e) } }
    } finally {
      loading.value = { ...loading.value, [mailboxId]: false }
    }
  }

  function select(id: string): void {
    selectedId.value = id
  }

  function reset(): void {
    byMailbox.value = {}
    selectedId.value = null
  }

  return { byMailbox, loading, errors, selectedId, load, select, reset }
})

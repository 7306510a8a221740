import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { MessageSummary } from '../../../shared/domain'

/** Which of the app's screens over the mail is open (Settings), so any control may open it. */
export const useUiStore = defineStore('ui', () => {
  const settingsOpen = ref(false)
  /** The Settings section to show when it opens (its id), or null for the first. */
  const settingsSection = ref<string | null>(null)
  function openSettings(section: string | null = null): void { settingsSection.value = section; settingsOpen.value = true }
  /** The messages of the conversation the snooze dialog is open for (null: closed). */
  const snoozeFor = shallowRef<MessageSummary[] | null>(null)
  return { settingsOpen, settingsSection, openSettings, closeSettings: () => { settingsOpen.value = false }, snoozeFor, openSnooze: (targets: MessageSummary[]) => { if (targets.length) snoozeFor.value = targets } }
})

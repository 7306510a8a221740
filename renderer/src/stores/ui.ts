import { defineStore } from 'pinia'
import { ref } from 'vue'

/** Which of the app's screens over the mail is open (Settings), so any control may open it. */
export const useUiStore = defineStore('ui', () => {
  const settingsOpen = ref(false)
  /** The Settings section to show when it opens (its id), or null for the first. */
  const settingsSection = ref<string | null>(null)
  function openSettings(section: string | null = null): void { settingsSection.value = section; settingsOpen.value = true }
  return { settingsOpen, settingsSection, openSettings, closeSettings: () => { settingsOpen.value = false } }
})

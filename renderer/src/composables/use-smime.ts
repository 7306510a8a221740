import { ref } from 'vue'
import type { CallOutput } from '../../../shared/api/contract'
import { apiErrorOf } from '../api/failure'
import { useApi } from '../api/use-api'
import { fileToBase64 } from '../mail/files'


/** S/MIME settings: status, and importing the person's PKCS#12 or a recipient's certificate. */
export function useSmime() {
  const api = useApi()
  const status = ref<CallOutput<'smime.status'> | null>(null)
  const error = ref<string | null>(null)
  const done = ref<string | null>(null)

  async function refresh(): Promise<void> {
    status.value = await api.call('smime.status', {})
  }

  async function importIdentity(file: File | undefined, password: string): Promise<void> {
    error.value = null; done.value = null
    if (!file) { error.value = 'Choose your .p12 or .pfx file.'; return }
    try {
      await api.call('smime.importIdentity', { p12: await fileToBase64(file), password })
      done.value = 'Your certificate is set up: you can now encrypt and sign your own mail.'
      await refresh()
    } catch (e) { error.value = apiErrorOf(e).message }
  }

  async function importCertificate(file: File | undefined): Promise<void> {
    error.value = null; done.value = null
    if (!file) return
    try {
      const text = await file.text()
      const { addresses } = await api.call('smime.importCertificate', { certificate: text.includes('-----BEGIN') ? text : await fileToBase64(file) })
      done.value = `Certificate added for ${addresses.join(', ')}.`
      await refresh()
    } catch (e) { error.value = apiErrorOf(e).message }
  }

  return { status, error, done, refresh, importIdentity, importCertificate }
}

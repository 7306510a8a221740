import { ref } from 'vue'
import type { CallOutput } from '../../../shared/api/contract'
import { ApiFailure } from '../../../shared/api/errors'
import { useApi } from '../api/use-api'

/** Reads a chosen file as base64 (certificates never leave this window except to main). */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''))
    r.onerror = () => reject(r.error)
    r.readAsDataURL(file)
  })
}

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
      await api.call('smime.importIdentity', { p12: await base64Of(file), password })
      done.value = 'Your certificate is set up: you can now encrypt and sign your own mail.'
      await refresh()
    } catch (e) { error.value = e instanceof ApiFailure ? e.message : String(e) }
  }

  async function importCertificate(file: File | undefined): Promise<void> {
    error.value = null; done.value = null
    if (!file) return
    try {
      const text = await file.text()
      const { addresses } = await api.call('smime.importCertificate', { certificate: text.includes('-----BEGIN') ? text : await base64Of(file) })
      done.value = `Certificate added for ${addresses.join(', ')}.`
      await refresh()
    } catch (e) { error.value = e instanceof ApiFailure ? e.message : String(e) }
  }

  return { status, error, done, refresh, importIdentity, importCertificate }
}

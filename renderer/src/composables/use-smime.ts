import { ref } from 'vue'
import type { CallOutput } from '../../../shared/api/contract'
import { apiErrorOf } from '../api/failure'
import { useApi } from '../api/use-api'
import { fileToBase64 } from '../mail/files'
import { say, tr } from '../i18n'


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
    if (!file) { error.value = tr('dialogs.chooseP12'); return }
    try {
      await api.call('smime.importIdentity', { p12: await fileToBase64(file), password })
      done.value = tr('dialogs.identitySet')
      await refresh()
    } catch (e) { error.value = say(apiErrorOf(e)) }
  }

  async function importCertificate(file: File | undefined): Promise<void> {
    error.value = null; done.value = null
    if (!file) return
    try {
      const text = await file.text()
      const { addresses, pending } = await api.call('smime.importCertificate', { certificate: text.includes('-----BEGIN') ? text : await fileToBase64(file) })
      done.value = pending.length
        ? tr('dialogs.certificateDiffers', { addresses: pending.join(', ') })
        : tr('dialogs.certificateAdded', { addresses: addresses.join(', ') })
      await refresh()
    } catch (e) { error.value = say(apiErrorOf(e)) }
  }

  /**
   * The person's answer to a correspondent's changed certificate. Using the new one is asked
   * again by main itself (a native dialog, or Tandem's own confirmation page): this window's
   * word alone changes nothing.
   */
  async function resolveChange(address: string, accept: boolean): Promise<void> {
    error.value = null; done.value = null
    try {
      const { accepted } = await api.call('smime.resolveChange', { address, accept })
      done.value = accepted ? tr('dialogs.usesNew', { address }) : tr('dialogs.keepsKnown', { address })
      await refresh()
    } catch (e) { error.value = say(apiErrorOf(e)) }
  }

  return { status, error, done, refresh, importIdentity, importCertificate, resolveChange }
}

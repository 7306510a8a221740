import { computed, ref, watch } from 'vue'
import type { MessageSummary } from '../../../shared/domain'
import { useApi } from '../api/use-api'
import { frameDocument, sanitizeMail, textDocument } from '../mail/sanitize'
import { useMessagesStore } from '../stores/messages'
import { useBodiesStore } from '../stores/bodies'

/**
 * What the reader shows of the focused message, with remote content blocked until allowed for
 * this message. There is no "always from this sender": the From address is the sender's to
 * write, and Tandem cannot tell which Authentication-Results header the organisation's own
 * server added, so a sender allowed once could be anyone who claims that address.
 */
export function useReader() {
  const api = useApi()
  const messages = useMessagesStore()
  const bodies = useBodiesStore()
  const allowedForMessage = ref<Set<string>>(new Set())
  const images = ref<Record<string, string | null>>({})
  const loadingImages = ref(false)

  const message = computed(() => messages.focused)
  const allowed = computed(() => !!message.value && allowedForMessage.value.has(message.value.id))
  const safe = computed(() => (bodies.body?.html ? sanitizeMail(bodies.body.html) : null))

  const srcdoc = computed(() => {
    const body = bodies.body
    if (!body || body.folderId !== message.value?.folderId || body.uid !== message.value?.uid) return null
    if (safe.value) {
      let html = safe.value.html
      if (allowed.value) {
        html = html.replace(/data-tandem-src="([^"]*)"/g, (whole, url: string) => {
          const data = images.value[url.replace(/&amp;/g, '&')]
          return data ? `src="${data}"` : whole
        })
      }
      return frameDocument(html)
    }
    return textDocument(body.text ?? '')
  })

  /** Remote images are fetched by the main process, never by the renderer, and only now. */
  watch([allowed, safe], async ([ok, s]) => {
    if (!ok || !s?.remote.length) return
    loadingImages.value = true
    for (const url of new Set(s.remote.map((u) => u.replace(/&amp;/g, '&')))) {
      if (url in images.value) continue
      const abs = url.startsWith('//') ? `https:${url}` : url
      try { images.value = { ...images.value, [url]: (await api.call('content.remoteImage', { url: abs })).dataUrl } } catch { images.value = { ...images.value, [url]: null } }
    }
    loadingImages.value = false
  }, { immediate: true })

  function allowOnce(): void {
    if (message.value) allowedForMessage.value = new Set([...allowedForMessage.value, message.value.id])
  }

  /** Opens an attachment the system's way: shown in a new window for safe types, else saved. */
  async function openAttachment(m: MessageSummary, partId: string): Promise<void> {
    const { url } = await api.call('attachments.link', { folderId: m.folderId, uid: m.uid, partId, open: true })
    window.open(url, '_blank', 'noopener,noreferrer')
  }

  async function save(m: MessageSummary, partId: string, filename: string): Promise<void> {
    const { url } = await api.call('attachments.link', { folderId: m.folderId, uid: m.uid, partId, open: false })
    const a = document.createElement('a')
    a.href = url
    a.download = filename
    a.rel = 'noopener'
    document.body.appendChild(a)
    a.click()
    a.remove()
  }

  function openLink(url: string): void {
    window.open(url, '_blank', 'noopener,noreferrer')
  }

  return { message, srcdoc, safe, allowed, loadingImages, allowOnce, save, openAttachment, openLink }
}

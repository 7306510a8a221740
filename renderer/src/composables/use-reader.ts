import { computed, ref, watch, type Ref } from 'vue'
import type { MessageBody, MessageSummary } from '../../../shared/domain'
import { useApi } from '../api/use-api'
import { frameDocument, sanitizeMail, textDocument } from '../mail/sanitize'
import { foldHtmlQuote, foldTextQuote } from '../mail/quotes'
import { tr } from '../i18n'

/**
 * What the reader shows of one message of a conversation, with remote content blocked until
 * allowed for this message, and the quote a reply ends with folded (the messages above show
 * it). There is no "always from this sender": the From address is the sender's to write, and
 * Tandem cannot tell which Authentication-Results header the organisation's own server added,
 * so a sender allowed once could be anyone who claims that address.
 */
export function useReader(message: Ref<MessageSummary | null>, body: Ref<MessageBody | null>) {
  const api = useApi()
  const allowed = ref(false)
  const images = ref<Record<string, string | null>>({})
  const loadingImages = ref(false)
  watch(() => message.value?.id, () => { allowed.value = false })

  const mine = computed(() => {
    const b = body.value
    const m = message.value
    return b && m && b.folderId === m.folderId && b.uid === m.uid ? b : null
  })
  const safe = computed(() => (mine.value?.html ? sanitizeMail(mine.value.html) : null))

  const srcdoc = computed(() => {
    const b = mine.value
    if (!b) return null
    if (safe.value) {
      let html = foldHtmlQuote(safe.value.html, tr('reader.showQuoted'))
      if (allowed.value) {
        html = html.replace(/data-tandem-src="([^"]*)"/g, (whole, url: string) => {
          const data = images.value[url.replace(/&amp;/g, '&')]
          return data ? `src="${data}"` : whole
        })
      }
      return frameDocument(html)
    }
    const { own, quoted } = foldTextQuote(b.text ?? '')
    return textDocument(own, quoted ? { quoted, label: tr('reader.showQuoted') } : undefined)
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

  /** Remote images asked for and refused (not found, not an image, too large, no connection): the reader says so. */
  const failedImages = computed(() => (allowed.value && !loadingImages.value ? Object.values(images.value).filter((v) => v === null).length : 0))

  function allowOnce(): void {
    allowed.value = true
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

  return { body: mine, srcdoc, safe, allowed, loadingImages, failedImages, allowOnce, save, openAttachment, openLink }
}

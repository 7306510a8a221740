import { computed, ref } from 'vue'
import { apiError, type ApiError } from '../../../shared/api/errors'
import { base64Bytes, fileToBase64 } from '../mail/files'
import { bytes } from '../i18n'

/** A file attached to the message being written, in base64 as it crosses to main. */
export interface ComposeFile { filename: string; contentType: string; size: number; contentBase64: string }

/** Base64 makes a file about a third larger on the wire (and its lines' breaks a little more). */
const WIRE = 1.37

/**
 * The composer's files: what is attached, the server's SIZE limit, and the message's size on
 * the wire with them. A file that would take the message over the limit is refused with words
 * (`refuse`) and left out; the rest are attached.
 */
export function useComposeFiles(textLength: () => number, refuse: (e: ApiError) => void) {
  const attachments = ref<ComposeFile[]>([])
  /** The server's SIZE limit (null: not known). */
  const maxBytes = ref<number | null>(null)
  const wireSize = computed(() => Math.ceil(attachments.value.reduce((n, a) => n + a.size, 0) * WIRE) + textLength())

  /** Whether a file of `size` bytes still fits; says so when it does not. */
  function fits(name: string, size: number): boolean {
    if (!maxBytes.value || wireSize.value + Math.ceil(size * WIRE) <= maxBytes.value) return true
    refuse(apiError({ code: 'request.invalid', field: 'attachments', key: 'compose.tooLarge', params: { name, max: bytes(maxBytes.value) } }))
    return false
  }

  /** Adds files the person chose or dropped. */
  async function attach(files: FileList | File[]): Promise<void> {
    for (const file of Array.from(files)) {
      if (!fits(file.name, file.size)) continue
      const contentBase64 = await fileToBase64(file)
      attachments.value = [...attachments.value, { filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size, contentBase64 }]
    }
  }

  /** Adds a saved reply's files (their bytes already here), each once (same name and bytes). */
  function attachSaved(files: readonly { filename: string; contentType: string; contentBase64: string }[]): void {
    for (const f of files) {
      if (attachments.value.some((a) => a.filename === f.filename && a.contentBase64 === f.contentBase64)) continue
      const size = base64Bytes(f.contentBase64)
      if (!fits(f.filename, size)) continue
      attachments.value = [...attachments.value, { filename: f.filename, contentType: f.contentType || 'application/octet-stream', size, contentBase64: f.contentBase64 }]
    }
  }

  function detach(index: number): void {
    attachments.value = attachments.value.filter((_, i) => i !== index)
  }

  /** The files of a message written before (a draft, a held send), as they were: no limit applied. */
  function restore(files: readonly { filename: string; contentType: string; contentBase64: string }[]): void {
    attachments.value = files.map((a) => ({ ...a, size: base64Bytes(a.contentBase64) }))
  }

  return { attachments, maxBytes, wireSize, attach, attachSaved, detach, restore }
}

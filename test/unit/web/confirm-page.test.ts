import { afterEach, describe, expect, it } from 'vitest'
import { ConfirmPage } from '../../../electron/web/confirm-page'
import { claimQuestion } from '../../../electron/service/confirm'

let page: ConfirmPage | null = null
afterEach(async () => { await page?.stop(); page = null })

const post = (origin: string | null, body: Record<string, string>, host?: string) => fetch(`${page!.origin}/answer`, {
  method: 'POST', redirect: 'manual', body: new URLSearchParams(body),
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}), ...(host ? { host } : {}) },
})

describe('the web host\'s confirmation page (main asks; the window cannot answer)', () => {
  it('shows the question with its nonce only on its own origin, and takes an answer only from there', async () => {
    const announced: string[] = []
    page = new ConfirmPage({ announce: (e) => announced.push(e.kind) })
    await page.start()
    let answer: boolean | null = null
    void page.confirm(claimQuestion('sendAs', 'Contoso Support', 'support@contoso.test')).then((a) => { answer = a })
    expect(announced).toEqual(['waiting'])
    const res = await fetch(page.url, { headers: { 'accept-language': 'nl-NL' } })
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    const html = await res.text()
    expect(html).toContain('&quot;Verzenden als Contoso Support&quot; aan je Van-adressen toevoegen?')
    const id = /name="id" value="([^"]+)"/.exec(html)![1]!
    const nonce = /name="nonce" value="([^"]+)"/.exec(html)![1]!
    // The window's origin (or none, or a page elsewhere) cannot answer, even with the nonce.
    expect((await post('http://127.0.0.1:1', { id, nonce, answer: 'accept' })).status).toBe(403)
    expect((await post(null, { id, nonce, answer: 'accept' })).status).toBe(403)
    // Its own origin without the nonce cannot either.
    expect((await post(page.origin, { id, nonce: 'x'.repeat(nonce.length), answer: 'accept' })).status).toBe(400)
    expect(answer).toBeNull()
    const ok = await post(page.origin, { id, nonce, answer: 'accept' })
    expect(ok.status).toBe(303)
    await new Promise((r) => setTimeout(r, 10))
    expect(answer).toBe(true)
    expect(announced).toEqual(['waiting', 'settled'])
    // Answered once: the nonce is spent.
    expect((await post(page.origin, { id, nonce, answer: 'refuse' })).status).toBe(400)
  })

  it('answers no when stopped or when nobody answers in time', async () => {
    page = new ConfirmPage({ timeoutMs: 50 })
    await page.start()
    expect(await page.confirm(claimQuestion('onBehalf', 'Desk', 'desk@contoso.test'))).toBe(false)
    const pending = page.confirm(claimQuestion('sendAs', 'Desk', 'desk@contoso.test'))
    await page.stop()
    expect(await pending).toBe(false)
    page = null
  })
})

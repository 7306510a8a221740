// Apart from oidc.ts so that tests which only sign in do not load oidc-provider.
/**
 * Signs a person in on the provider's own login page, as a browser would (cookies, redirects,
 * the form), and returns where the provider sent the browser back to: the client's redirect URI
 * with the code or the error. For integration tests; the e2e tests use Chromium itself.
 * `jar`: the browser's cookies, kept across sign-ins (a browser still signed in: no form at all).
 * `shown`: called with each login page the provider showed.
 */
export async function signInOnPage(authorizationUrl: string, login: string, password: string, opts: { cancel?: boolean; jar?: Map<string, string>; shown?: () => void } = {}): Promise<URL> {
  const cookies = opts.jar ?? new Map<string, string>()
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const at = pair!.indexOf('=')
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1))
    }
  }
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  let url = new URL(authorizationUrl)
  let body: URLSearchParams | null = null
  for (let hops = 0; hops < 20; hops++) {
    if (url.hostname === '127.0.0.1' && url.pathname === '/callback') return url
    const res: Response = await fetch(url, { method: body ? 'POST' : 'GET', body, redirect: 'manual', headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) } })
    keep(res)
    body = null
    const next = res.headers.get('location')
    if (next) { url = new URL(next, url); continue }
    const html: string = await res.text()
    if (opts.cancel) {
      const abort = /<a href="([^"]+\/abort)"/.exec(html)?.[1]
      if (!abort) throw new Error('the provider\'s page offers no way to cancel')
      url = new URL(abort, url)
      continue
    }
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]
    if (!action) throw new Error(`the provider showed no sign-in form at ${url.pathname}: ${html.slice(0, 300)}`)
    // A page that posts itself (the provider's form_post, e.g. ending the session of the account
    // the browser was signed in as before another signs in) is sent as a browser would, as it is.
    const hidden: [string, string][] = [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!] as [string, string])
    const loginForm = /name="login"/.test(html)
    if (loginForm) opts.shown?.()
    if (loginForm && html.includes('role="alert"') && hops > 2) throw new Error(`the provider refused the sign-in: ${/role="alert">([^<]*)/.exec(html)?.[1]}`)
    url = new URL(action, url)
    body = new URLSearchParams([...hidden, ...(loginForm ? [['login', login], ['password', password]] : [])])
  }
  throw new Error('too many redirects during sign-in')
}

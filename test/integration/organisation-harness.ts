import { afterAll, beforeAll } from 'vitest'
import { smallOrganisation, type Organisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { passwordOf } from '../mailstack/sessions'
import { newService, serverSettings, type TestService } from './helpers'

/**
 * One generated organisation for a describe block: its stack started before the block's tests
 * and stopped after them, with every service they signed in. `signedIn('eva')` is eva's own
 * service, signed in with her password.
 */
export function organisationHarness(org: Organisation, domain: string) {
  let stack: MailStack | null = null
  const started: TestService[] = []
  beforeAll(async () => { stack = await startMailStack(org) })
  afterAll(async () => {
    for (const t of started) await t.service.stop().catch(() => undefined)
    await stack?.stop()
  })
  const at = (local: string) => `${local}@${domain}`
  return {
    at,
    stack: (): MailStack => { if (!stack) throw new Error('the stack is not started yet'); return stack },
    async signedIn(local: string): Promise<TestService> {
      const s = stack!
      const t = await newService()
      started.push(t)
      await t.service.signIn({ address: at(local), password: passwordOf(s, at(local)), server: serverSettings(s) })
      return t
    },
  }
}

/**
 * The two server shapes every team-state feature is tested on, as cases for `describe` blocks:
 * Proseware (Dovecot; `teamMembers`: a folder per member under the team folder, so authors are
 * confirmed there) and Fabrikam, shaped like Exchange Online (no METADATA, ACL or custom keywords:
 * authors only claimed). `detailDelivery`: both file detail addresses into folders.
 */
export function twoServerShapes(people: Record<string, string>, shared: Parameters<typeof smallOrganisation>[2]['shared'], opts: { teamMembers?: boolean; detailDelivery?: boolean } = {}): { what: string; org: Organisation; domain: string; confirmed: boolean }[] {
  const { teamMembers = false, detailDelivery = false } = opts
  const dovecot = ['Dovecot', ...(teamMembers ? ['a folder per member'] : []), ...(detailDelivery ? ['detail delivery on'] : [])].join(', ')
  const common = { people, shared, ...(detailDelivery ? { detailDelivery } : {}) }
  return [
    { what: `Proseware (${dovecot})`, org: smallOrganisation('Proseware', 'proseware.test', { ...common, ...(teamMembers ? { teamMembers } : {}) }), domain: 'proseware.test', confirmed: teamMembers },
    {
      what: 'Fabrikam, shaped like Exchange Online (no METADATA, ACL or custom keywords)',
      org: smallOrganisation('Fabrikam', 'fabrikam.test', { ...common, server: { metadata: false, acl: false, keywords: false } }),
      domain: 'fabrikam.test', confirmed: false,
    },
  ]
}

import { afterAll, beforeAll } from 'vitest'
import type { Organisation } from '../mailstack/organisation'
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

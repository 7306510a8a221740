import { describe, expect, it } from 'vitest'
import type { Mailbox } from '../../../shared/domain'
import { authoriseSend, defaultIdentity, identitiesFor, smtpRefusal } from '../../../shared/rules/identities'
import { quotaState } from '../../../shared/rules/quota'
import { english } from '../../../shared/i18n'
import { apiError } from '../../../shared/api/errors'

const box = (id: string, kind: 'own' | 'shared', address: string, name: string, full = false): Mailbox =>
  ({ id, accountId: 'x', kind, address, name, quota: quotaState(full ? 100 : 1, 100) })
const own = box('own:bob@contoso.test', 'own', 'bob@contoso.test', 'bob@contoso.test')
const support = box('shared:support@contoso.test', 'shared', 'support@contoso.test', 'Contoso Support')
const reception = box('shared:reception@contoso.test', 'shared', 'reception@contoso.test', 'Reception Desk')
const grants = {
  support: { sendAs: ['alice@contoso.test'], sendOnBehalf: ['bob@contoso.test'] },
  reception: { sendAs: ['carol@contoso.test'], sendOnBehalf: [] },
}
const shared = [{ mailbox: support, grants: grants.support }, { mailbox: reception, grants: grants.reception }]

describe('identitiesFor (R2, R3)', () => {
  it.each([
    ['alice@contoso.test', 'Alice Archer', ['Alice Archer <alice@contoso.test>', 'Contoso Support <support@contoso.test>']],
    ['bob@contoso.test', 'Bob Baker', ['Bob Baker <bob@contoso.test>', 'Bob Baker on behalf of Contoso Support']],
    ['carol@contoso.test', 'Carol Chen', ['Carol Chen <carol@contoso.test>', 'Reception Desk <reception@contoso.test>']],
    ['dave@contoso.test', 'Dave Dunn', ['Dave Dunn <dave@contoso.test>']],
  ])('%s may send as exactly what the grants say', (address, name, labels) => {
    expect(identitiesFor({ address, name }, own, shared).map((i) => i.label)).toEqual(labels)
  })

  it('gives on-behalf identities a Sender and send-as none; only self may encrypt (R4)', () => {
    const bob = identitiesFor({ address: 'bob@contoso.test', name: 'Bob Baker' }, own, shared)
    expect(bob[1]).toMatchObject({ kind: 'onBehalf', from: { address: 'support@contoso.test' }, sender: { address: 'bob@contoso.test' } })
    expect(bob[0]!.noEncryption).toBeNull()
    expect(bob[1]!.noEncryption?.message).toMatch(/R4/)
    const alice = identitiesFor({ address: 'alice@contoso.test', name: 'Alice' }, own, shared)
    expect(alice[1]).toMatchObject({ kind: 'sendAs', sender: null })
  })
})

describe('defaultIdentity', () => {
  const alice = identitiesFor({ address: 'alice@contoso.test', name: 'Alice' }, own, shared)
  const bob = identitiesFor({ address: 'bob@contoso.test', name: 'Bob' }, own, shared)
  const dave = identitiesFor({ address: 'dave@contoso.test', name: 'Dave' }, own, shared)
  it('prefers Send As, then On Behalf, then self with a note', () => {
    expect(defaultIdentity(alice, support.id).identity.kind).toBe('sendAs')
    expect(defaultIdentity(bob, support.id).identity.kind).toBe('onBehalf')
    const d = defaultIdentity(dave, support.id, 'Contoso Support')
    expect(d.identity.kind).toBe('self')
    expect(d.note?.message).toMatch(/may not send as or on behalf of Contoso Support/)
    expect(defaultIdentity(alice, own.id)).toEqual({ identity: alice[0], note: null })
  })
})

describe('authoriseSend', () => {
  const bob = identitiesFor({ address: 'bob@contoso.test', name: 'Bob' }, own, shared)
  it.each([
    ['bob as himself', 'self:bob@contoso.test', false, [own, support], null],
    ['bob on behalf of support', 'onBehalf:support@contoso.test', false, [own, support], null],
    ['bob as support without Send As', 'sendAs:support@contoso.test', false, [own, support], 'R2'],
    ['bob on behalf of reception without the grant', 'onBehalf:reception@contoso.test', false, [own, support], 'R3'],
    ['bob encrypting on behalf of support', 'onBehalf:support@contoso.test', true, [own, support], 'R4'],
    ['bob on behalf of a full support', 'onBehalf:support@contoso.test', false, [own, { ...support, quota: quotaState(100, 100) }], 'R6'],
  ])('%s', (_what, identityId, encrypt, mailboxes, rule) => {
    const v = authoriseSend({ identityId, encrypt }, bob, mailboxes)
    if (rule === null) expect(v.ok).toBe(true)
    else expect(v).toMatchObject({ ok: false, error: { rule, field: 'from' } })
  })
})

describe('smtpRefusal: what a submission server\'s refusal means for the identity (R2, R3)', () => {
  it.each([
    ['sendAs', 553, '553 5.7.1 <support@contoso.test>: Sender address rejected: not owned by user bob@contoso.test', 'R2'],
    ['sendAs', 554, '554 5.2.252 SendAsDenied; bob@contoso.test not allowed to send as support@contoso.test', 'R2'],
    ['onBehalf', 554, '554 5.2.252 SendAsDenied; not allowed to send on behalf', 'R3'],
    ['self', 553, '553 5.7.1 Sender address rejected', undefined],
  ] as const)('%s refused with %d is %s', (kind, code, text, rule) => {
    const r = smtpRefusal(kind, code, text)
    if (rule) {
      expect(r).toMatchObject({ rule, key: rule === 'R3' ? 'errors.send.refusedOnBehalf' : 'errors.send.refusedAs' })
      // The sentence says what to do; the rule and the server's own words go in the details line.
      expect(r!.reply).toBe(text)
      expect(apiError({ code: 'send.refused', ...r! }).message).toContain(`(Rule ${rule} · The server said: “${text}”)`)
    }
    else expect(r).toBeNull()
  })

  it('names SMTP AUTH switched off for the tenant (535 5.7.139)', () => {
    const r = smtpRefusal('self', 535, '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.')
    expect(english(r!.key)).toMatch(/turned off SMTP sending for apps/)
    expect(r!.reply).toMatch(/^535 5\.7\.139/)
  })

  it('leaves other refusals alone', () => {
    expect(smtpRefusal('sendAs', 552, '552 5.3.4 Message size exceeds fixed limit')).toBeNull()
  })
})

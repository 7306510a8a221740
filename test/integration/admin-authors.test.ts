import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorSetup } from '../../electron/service/operations/team-authors'
import { TEAM_FOLDER } from '../../shared/team/records'
import { smallOrganisation, type Organisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { imapSession, passwordOf } from './helpers'
import { admin } from './admin-cli'

/**
 * The member folders tandem-admin makes (teamMemberFolders) are the ones a member's Tandem
 * accepts for confirmed authors: asked with Tandem's own check (team-authors.ts authorSetup: one
 * LIST, MYRIGHTS on the team folder and every member folder) in each member's own IMAP session,
 * for a mailbox made by `shared create`, members joining, one leaving and a person converted.
 * Two generated organisations: "/" with delegate logins (Proseware), "." inside the shared
 * namespace with owners by bare name (Wingtip).
 */
const people = { eva: 'Eva Evers', finn: 'Finn Falk', gus: 'Gus Gray', hal: 'Hal Hart', ivy: 'Ivy Ide' }
const cases: { org: Organisation; namespace: boolean }[] = [
  { org: smallOrganisation('Proseware', 'proseware.test', { people, shared: [], teamMembers: true }), namespace: false },
  {
    org: smallOrganisation('Wingtip', 'wingtip.test', { people, shared: [], teamMembers: true, layout: { separator: '.', sharedPrefix: 'Other Users.%%n.', masterSeparator: '!' } }),
    namespace: true,
  },
]

describe.each(cases)('tandem-admin\'s member folders on $org.name are the ones Tandem confirms authors by', ({ org, namespace }) => {
  let stack: MailStack
  const domain = org.domains[0]!
  const at = (local: string) => `${local}@${domain}`
  beforeAll(async () => { stack = await startMailStack(org) })
  afterAll(async () => { await stack?.stop() })

  /** What Tandem's check says for a person in a shared mailbox, in their own session (delegate login, or the shared namespace). */
  async function setupFor(person: string, shared: string) {
    const login = namespace ? person : `${shared}${org.layout.masterSeparator}${person}`
    const client = await imapSession(stack, login, passwordOf(stack, person))
    try {
      const teamPath = namespace ? `Other Users${org.layout.separator}${shared.split('@')[0]}${org.layout.separator}${TEAM_FOLDER}` : TEAM_FOLDER
      const setup = await authorSetup(client, teamPath, person)
      return { mode: setup.mode, why: setup.why, members: [...setup.folders.keys()].sort() }
    } finally {
      await client.logout().catch(() => undefined)
    }
  }

  it('shared create, then members: each member\'s Tandem confirms authors, with a folder for every member', async () => {
    const desk = at('desk')
    expect((await admin(stack, ['shared', 'create', desk, '--name', `${org.name} Desk`])).code).toBe(0)
    for (const p of ['eva', 'finn', 'gus']) expect((await admin(stack, ['member', 'add', desk, at(p)])).code).toBe(0)
    for (const p of ['eva', 'finn', 'gus']) {
      expect(await setupFor(at(p), desk), p).toEqual({ mode: 'confirmed', why: undefined, members: [at('eva'), at('finn'), at('gus')] })
    }
  })

  it('one leaves, one joins: the others still confirm, the newcomer too, and the leaver\'s folder stays readable', async () => {
    const desk = at('desk')
    expect((await admin(stack, ['member', 'remove', desk, at('gus')])).code).toBe(0)
    expect((await admin(stack, ['member', 'add', desk, at('hal')])).code).toBe(0)
    const all = [at('eva'), at('finn'), at('gus'), at('hal')]
    for (const p of ['eva', 'finn', 'hal']) expect(await setupFor(at(p), desk), p).toEqual({ mode: 'confirmed', why: undefined, members: all })
    // The leaver is no member: nothing of the mailbox is his to read.
    expect((await setupFor(at('gus'), desk).catch(() => ({ mode: 'refused' }))).mode).not.toBe('confirmed')
  })

  it('a person converted with members: the members confirm authors in it', async () => {
    const ivy = at('ivy')
    expect((await admin(stack, ['convert', ivy, '--to-shared', '--members', `${at('eva')},${at('hal')}`])).code).toBe(0)
    for (const p of ['eva', 'hal']) expect(await setupFor(at(p), ivy), p).toEqual({ mode: 'confirmed', why: undefined, members: [at('eva'), at('hal')] })
  })
})

import { createHash } from 'node:crypto'
import type { ImapFlow } from 'imapflow'
import type { CallInput, CallOutput } from '../../shared/api/contract'
import { TEAM_RECORD_VERSION, type TeamRecord } from '../../shared/team/records'
import { toTeamWire } from '../../shared/team/wire'
import type { MailboxRuntime } from './imap/mailbox-runtime'
import type { Logger } from './logger'
import { appendTeamRecord, ensureTeamFolder, recordMessage, recordMessageId, recordSentence, type TeamCursor } from './operations/team'
import { authorSetup as authorSetupOf, confirmedBatchAuthors, confirmedRecords, type AuthorSetup } from './operations/team-authors'
import { readTeamState, type BatchListCache } from './operations/team-batches'
import { batchEvidence, verifyBatches } from './operations/team-batch-check'
import { BATCH_EVERY, compactTeamFolder } from './operations/team-batch-write'
import { findByMessageId } from './operations/triage'
import { ConversationLookup } from './operations/conversations'
import { fail } from '../../shared/api/errors'
import { mailboxOfFolder } from '../../shared/ids'
import { formatIn } from '../../shared/i18n'
import { SHARED_SIGNATURE_VERSION, type SharedSignature } from '../../shared/rules/shared-signature'
import { readSharedSignature, signatureMessage, signatureMessageId } from './operations/shared-signature'
import { RESPONSE_TARGETS_VERSION, responseTargetsSchema, serialiseResponseTargets, type ResponseTargets } from '../../shared/rules/response-targets'
import { readResponseTargets, targetsMessage, targetsMessageId } from './operations/response-targets'
import { MAX_MENTIONS, mentionProblem } from '../../shared/team/mentions'

/** How long a team folder's author setup is taken as looked at (an administrator's change shows within this). */
const AUTHOR_SETUP_FOR_MS = 10 * 60_000

/** What the team operations need of the service: a shared mailbox's runtime, who is signed in, the log. */
export interface TeamHost {
  /** The runtime of one of the session's shared mailboxes (refused for any other). */
  shared(mailboxId: string): MailboxRuntime
  me(): { address: string; name: string }
  /** The organisation's domains (R7: only the administrator's directory and the person's own domain say so). */
  domains(): string[]
  log: Logger
}

/**
 * The team state calls of the service (docs/team-state.md): reading a shared mailbox's team
 * folder, checking batches and authors, appending records and batches. It keeps, per mailbox,
 * what it learnt of the folder: whether it is there, the batches it listed and checked, and how
 * its authors can be told.
 */
export class TeamService {
  private readonly folders = new Map<string, { path: string; exists: boolean; at: number }>()
  /** Batches of each team folder this service checked against the log: good ones, false ones. */
  private readonly checked = new Map<string, { uidValidity: string; good: Set<number>; bad: Set<number> }>()
  /** The batches of each team folder as last listed, while a device reads their chain page by page. */
  private readonly lists = new Map<string, BatchListCache>()
  /** How each team folder's authors can be told (team-authors.ts), as last looked at. */
  private readonly setups = new Map<string, { path: string; setup: AuthorSetup; at: number }>()
  /** Which conversation a message is in, read from its headers on the server (team records). */
  private readonly conversations = new ConversationLookup()

  constructor(private readonly host: TeamHost) {}

  /** A shared mailbox's team records from the cursor on (docs/team-state.md). */
  async read(mailboxId: string, since: TeamCursor | null, distrust: number[] = [], useBatches = true): Promise<CallOutput<'team.read'>> {
    const runtime = this.host.shared(mailboxId)
    const { client, path } = await runtime.teamFolder()
    if (!(await this.folderExists(mailboxId, client, path, false))) return { exists: false, cursor: null, records: toTeamWire([]), more: false, skipped: 0, reset: false, batches: [] }
    // From now on the watcher's poll tells the window when members append (team.changed): no reading every few seconds.
    runtime.watchTeam(path)
    // Batches this service found false are not started from either (team.compact checks them).
    const checked = this.checked.get(mailboxId)
    const untrusted = new Set([...distrust, ...(checked?.bad ?? [])])
    // Gone since it was seen (another client deleted it): asked again next time.
    const page = await readTeamState(client, path, since, untrusted, this.listsOf(mailboxId), undefined, useBatches).catch((e: unknown) => { this.folders.delete(mailboxId); throw e })
    return { exists: true, ...page }
  }

  /** Checks batches of a team folder against the records they copy (team-batch-check.ts). */
  async verify(mailboxId: string, uids: number[]): Promise<CallOutput<'team.verify'>> {
    const { client, path } = await this.host.shared(mailboxId).teamFolder()
    const result = await verifyBatches(client, path, uids)
    const checked = this.checkedOf(mailboxId)
    for (const u of uids) (result.bad.some((b) => b.uid === u) ? checked.bad : checked.good).add(u)
    // Who appended a false batch is named only where the server confirms it (team-authors.ts).
    const setup = await this.authorSetup(mailboxId, client, path)
    const evidence = setup.mode === 'confirmed' ? await Promise.all(result.bad.map(async (b) => ({ ...b, ...(await batchEvidence(client, path, b)) }))) : []
    const confirmed = await confirmedBatchAuthors(client, path, setup, evidence)
    return { ...result, bad: result.bad.map((b) => ({ ...b, confirmed: confirmed.has(b.uid) })) }
  }

  /**
   * Which of a conversation's records (by UID, id and author, as the window folded them) the
   * server confirms were written by their author, and how this mailbox's authors can be told
   * at all (team-authors.ts); `members`: those the administrator gave a folder of their own.
   */
  async authors(mailboxId: string, records: { uid: number; id: string; by: string }[]): Promise<CallOutput<'team.authors'>> {
    const { client, path } = await this.host.shared(mailboxId).teamFolder()
    if (!(await this.folderExists(mailboxId, client, path, false))) return { mode: 'claimed', members: [], confirmed: [] }
    const setup = await this.authorSetup(mailboxId, client, path)
    return { mode: setup.mode, members: [...setup.folders.keys()].slice(0, 1000), confirmed: await confirmedRecords(client, path, setup, records) }
  }

  /** A team folder's author setup, looked at (one LIST, one MYRIGHTS per member folder) at most every ten minutes. */
  async authorSetup(mailboxId: string, client: ImapFlow, path: string): Promise<AuthorSetup> {
    const known = this.setups.get(mailboxId)
    if (known && known.path === path && Date.now() - known.at < AUTHOR_SETUP_FOR_MS) return known.setup
    const setup = await authorSetupOf(client, path, this.host.me().address)
    // Member folders that are there but not as the administrator guide sets them up: said once a look.
    if (setup.mode === 'claimed' && setup.why && !/^(no member folders|no team folder|the server has no ACL extension)$/.test(setup.why)) this.host.log('warn', `team authors of ${mailboxId} are claimed, not confirmed: ${setup.why} (docs/admin.md, "Who did what")`)
    this.setups.set(mailboxId, { path, setup, at: Date.now() })
    return setup
  }

  /**
   * Appends a batch of the team records after the last batch, once enough have piled up. The
   * threshold differs a little per member, so that of fifty members who look at once, one
   * writes it and the others find it there.
   */
  async compact(mailboxId: string, locale: CallInput<'team.compact'>['locale']): Promise<CallOutput<'team.compact'>> {
    const runtime = this.host.shared(mailboxId)
    const active = this.host.me()
    const { client, path } = await runtime.teamFolder()
    if (!(await this.folderExists(mailboxId, client, path, false))) return { batch: null, passedOver: [] }
    const address = active.address
    const threshold = BATCH_EVERY + Math.round((BATCH_EVERY / 2) * ((createHash('sha256').update(address).digest()[0] ?? 0) / 255))
    const setup = await this.authorSetup(mailboxId, client, path)
    const mine = setup.mode === 'confirmed' ? setup.folders.get(address.toLowerCase()) : undefined
    const made = await compactTeamFolder(client, path, { address, name: active.name }, locale ?? 'en', threshold, this.checkedOf(mailboxId),
      async (raw) => { if (mine) await appendTeamRecord(client, mine, raw) })
    if (!made) return { batch: null, passedOver: [] }
    const { passedOver, ...batch } = made
    return { batch: batch.uid ? batch : null, passedOver }
  }

  /**
   * Appends a message to the team folder (its log). Gone since it was seen (another client
   * deleted it): asked again next time. The team is busy now: the folder is asked every poll for
   * a while, so teammates' answers to what the person wrote show soon (watcher.ts, TEAM_WATCH).
   */
  private async appendToLog(mailboxId: string, client: ImapFlow, path: string, message: Buffer): Promise<number | null> {
    const uid = await appendTeamRecord(client, path, message).catch((e: unknown) => { this.folders.delete(mailboxId); throw e })
    this.host.shared(mailboxId).teamActive()
    return uid
  }

  private listsOf(mailboxId: string): BatchListCache {
    let c = this.lists.get(mailboxId)
    if (!c) this.lists.set(mailboxId, (c = {}))
    return c
  }

  private checkedOf(mailboxId: string): { uidValidity: string; good: Set<number>; bad: Set<number> } {
    let c = this.checked.get(mailboxId)
    if (!c) this.checked.set(mailboxId, (c = { uidValidity: '', good: new Set(), bad: new Set() }))
    return c
  }

  /**
   * Appends one team record as the signed-in member: who acted is the session's address, never
   * the page's word, and so is the conversation: the service reads the headers of the message
   * the action is about and computes its conversation itself (shared/conversation.ts). A record
   * replayed after a crash is found by its Message-ID, not appended twice.
   */
  async record(input: CallInput<'team.record'>): Promise<CallOutput<'team.record'>> {
    const runtime = this.host.shared(input.mailboxId)
    const active = this.host.me()
    if (mailboxOfFolder(input.about.folderId) !== input.mailboxId) throw fail({ code: 'request.invalid', field: 'about', key: 'errors.request.moveAcrossMailboxes' })
    if (input.action.kind === 'note') checkMentions(input.action.text, this.host.domains())
    // A snooze whose time is before the person acted would never hide anything: said, not appended.
    if (input.action.kind === 'snooze' && input.action.until !== null && input.action.until <= input.at) throw fail({ code: 'request.invalid', field: 'action', key: 'errors.team.snoozePast' })
    const { client, path } = await runtime.teamFolder()
    await this.folderExists(input.mailboxId, client, path, true)
    const already = await findByMessageId(client, path, recordMessageId(input.id))
    if (already !== null) return { uid: already, conversationId: null }
    if (!runtime.folders.length) await runtime.refreshFolders()
    const conversationId = await this.conversations.of(await runtime.connection(), runtime.folders, input.about)
    const record: TeamRecord = { v: TEAM_RECORD_VERSION, id: input.id, conv: conversationId, at: input.at, by: active.address, action: input.action }
    const { subject, text } = recordSentence(record, active.name, input.locale ?? 'en')
    const message = await recordMessage(record, active.name, subject, text)
    // Where the administrator gave each member a folder of their own, the same record goes there
    // first (team-authors.ts): a record in the log whose copy is in its author's folder is
    // confirmed. First, so a record is never in the log without it (a crash between leaves a
    // copy alone, which confirms nothing). A replay finds the copy it made before. Not for a
    // "writing a reply" mark: it is stale in a minute and kept in no history.
    const setup = await this.authorSetup(input.mailboxId, client, path)
    const mine = setup.mode === 'confirmed' && record.action.kind !== 'writing' ? setup.folders.get(record.by.toLowerCase()) : undefined
    if (mine && (await findByMessageId(client, mine, recordMessageId(record.id))) === null) await appendTeamRecord(client, mine, message)
    return { uid: await this.appendToLog(input.mailboxId, client, path, message), conversationId }
  }

  /** A shared mailbox's signature, kept in its team folder (operations/shared-signature.ts); null when the team has none. */
  async signature(mailboxId: string): Promise<CallOutput<'signatures.shared'>> {
    const { client, path } = await this.host.shared(mailboxId).teamFolder()
    if (!(await this.folderExists(mailboxId, client, path, false))) return { signature: null }
    const s = await readSharedSignature(client, path)
    return { signature: s ? { html: s.html, forNew: s.forNew, forReplies: s.forReplies, by: s.by, at: s.at } : null }
  }

  /**
   * Saves a shared mailbox's signature for the whole team: appended to its team folder as the
   * signed-in member (who saved it is the session's address, never the page's word). A replay
   * (same id) finds the message it appended before.
   */
  async setSignature(input: CallInput<'signatures.setShared'>): Promise<CallOutput<'signatures.setShared'>> {
    const active = this.host.me()
    const { client, path } = await this.host.shared(input.mailboxId).teamFolder()
    await this.folderExists(input.mailboxId, client, path, true)
    const signature: SharedSignature = { v: SHARED_SIGNATURE_VERSION, id: input.id, at: input.at, by: active.address, html: input.html, forNew: input.forNew, forReplies: input.forReplies }
    const already = await findByMessageId(client, path, signatureMessageId(input.id))
    if (already !== null) return { uid: already }
    const locale = input.locale ?? 'en'
    const message = await signatureMessage(signature, active.name, formatIn(locale, 'signatures.record', { by: active.name || active.address }), formatIn(locale, 'signatures.recordExplain'))
    return { uid: await this.appendToLog(input.mailboxId, client, path, message) }
  }

  /** A shared mailbox's response targets and their recent changes, kept in its team folder (operations/response-targets.ts). */
  async responseTargets(mailboxId: string): Promise<CallOutput<'targets.get'>> {
    const { client, path } = await this.host.shared(mailboxId).teamFolder()
    if (!(await this.folderExists(mailboxId, client, path, false))) return { targets: null, changes: [], authors: 'claimed' }
    const changes = await readResponseTargets(client, path)
    // Authors as for team records (team-authors.ts): where each member has a folder only they may
    // insert into, a change whose very copy is in its author's folder is confirmed theirs.
    const setup = await this.authorSetup(mailboxId, client, path)
    const confirmed = new Set<string>()
    if (setup.mode === 'confirmed') {
      for (const author of new Set(changes.map((c) => c.by.toLowerCase()))) {
        const folder = setup.folders.get(author)
        if (!folder) continue
        const copies = new Set((await readResponseTargets(client, folder)).filter((c) => c.by.toLowerCase() === author).map(({ uid: _, ...c }) => serialiseResponseTargets(c)))
        for (const { uid: _, ...c } of changes) if (c.by.toLowerCase() === author && copies.has(serialiseResponseTargets(c))) confirmed.add(c.id)
      }
    }
    const current = changes[0]
    return {
      targets: current ? { firstReply: current.firstReply, nextReply: current.nextReply, timeZone: current.timeZone, days: current.days, holidays: current.holidays, by: current.by, at: current.at, confirmed: confirmed.has(current.id) } : null,
      changes: changes.map((c) => ({ by: c.by, at: c.at, firstReply: c.firstReply, nextReply: c.nextReply, confirmed: confirmed.has(c.id) })),
      authors: setup.mode,
    }
  }

  /**
   * Sets a shared mailbox's response targets for the whole team: appended to its team folder as
   * the signed-in member (who is the session's address, never the page's word). A replay (same
   * id) finds the message it appended before.
   */
  async setResponseTargets(input: CallInput<'targets.set'>): Promise<CallOutput<'targets.set'>> {
    const active = this.host.me()
    const { client, path } = await this.host.shared(input.mailboxId).teamFolder()
    await this.folderExists(input.mailboxId, client, path, true)
    // Checked here too (not only by the contract): nothing the schema refuses is ever appended for the team to read.
    const checked = responseTargetsSchema.safeParse({ v: RESPONSE_TARGETS_VERSION, id: input.id, at: input.at, by: active.address, ...input.targets })
    if (!checked.success) throw fail({ code: 'request.invalid', field: 'targets', key: 'errors.request.invalid' })
    const targets: ResponseTargets = checked.data
    const already = await findByMessageId(client, path, targetsMessageId(input.id))
    if (already !== null) return { uid: already }
    const locale = input.locale ?? 'en'
    const message = await targetsMessage(targets, active.name, formatIn(locale, 'responseTimes.record', { by: active.name || active.address }), formatIn(locale, 'responseTimes.recordExplain'))
    // The author's own folder first, where the administrator gave each member one: it confirms who set them.
    const setup = await this.authorSetup(input.mailboxId, client, path)
    const mine = setup.mode === 'confirmed' ? setup.folders.get(active.address.toLowerCase()) : undefined
    if (mine && (await findByMessageId(client, mine, targetsMessageId(input.id))) === null) await appendTeamRecord(client, mine, message)
    return { uid: await this.appendToLog(input.mailboxId, client, path, message) }
  }

  /**
   * Whether the team folder is there, asked of the server (LIST) once while it is, and at most
   * once a minute while it is not: the renderer reads team state every few seconds.
   */
  private async folderExists(mailboxId: string, client: ImapFlow, path: string, create: boolean): Promise<boolean> {
    const known = this.folders.get(mailboxId)
    if (known?.exists && known.path === path) return true
    if (!create && known && known.path === path && Date.now() - known.at < 60_000) return false
    const exists = await ensureTeamFolder(client, path, create)
    this.folders.set(mailboxId, { path, exists, at: Date.now() })
    return exists
  }
}

/**
 * A note's mentions before it is written (shared/team/mentions.ts): a mention never leaves the
 * organisation (R7) — an address outside its domains is refused, and so are more than
 * MAX_MENTIONS members in one note. Nothing is appended; the window keeps the note to change.
 */
function checkMentions(text: string, domains: string[]): void {
  const problem = mentionProblem(text, domains)
  if (!problem) return
  if ('outside' in problem) throw fail({ code: 'permission.denied', rule: 'R7', field: 'action', key: 'errors.team.mentionOutside', params: { address: problem.outside.join(', '), domains: domains.join(', ') } })
  throw fail({ code: 'request.invalid', field: 'action', key: 'errors.team.mentionTooMany', params: { count: problem.tooMany, max: MAX_MENTIONS } })
}

import type { StateStore } from '../storage/state-store'

export type GrantKind = 'sendAs' | 'onBehalf'
export interface Claim { sendAs: boolean; sendOnBehalf: boolean; refused: GrantKind[] }

/**
 * Send As / On Behalf identities a person added themselves, per shared mailbox, for mailboxes
 * whose grants the server does not publish (R2, R3): kept per account on this device, with the
 * ones the submission server refused.
 */
export class ClaimedGrants {
  private claims = new Map<string, Claim>()
  private accountId = ''

  constructor(private readonly state: StateStore) {}

  /** Loads the account's claims (at sign-in, or an offline start). */
  async load(accountId: string): Promise<void> {
    this.accountId = accountId
    this.claims = new Map(Object.entries(await this.state.read<Record<string, Claim>>(this.key()) ?? {}))
  }

  get(mailbox: string): Claim | undefined {
    return this.claims.get(mailbox)
  }

  /** Adds or removes one; a changed claim is no longer marked refused. */
  async set(mailbox: string, kind: GrantKind, claimed: boolean): Promise<void> {
    const now = this.claims.get(mailbox) ?? { sendAs: false, sendOnBehalf: false, refused: [] }
    this.claims.set(mailbox, { ...now, [kind === 'onBehalf' ? 'sendOnBehalf' : 'sendAs']: claimed, refused: now.refused.filter((k) => k !== kind) })
    await this.save()
  }

  /** The server refused this identity: the picker shows it so. */
  async refused(mailbox: string, kind: GrantKind): Promise<void> {
    const now = this.claims.get(mailbox)
    if (!now || now.refused.includes(kind)) return
    this.claims.set(mailbox, { ...now, refused: [...now.refused, kind] })
    await this.save()
  }

  private key(): string { return `claimedGrants:${this.accountId}` }
  private async save(): Promise<void> { await this.state.write(this.key(), Object.fromEntries(this.claims)) }
}

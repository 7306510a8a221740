import type { StateStore } from '../storage/state-store'

/**
 * Where each outgoing message stands, kept on disk by the main process: written just
 * before the message is handed to the SMTP server ('submitting') and as soon as the server has
 * accepted it ('accepted'), removed once the Sent copy is saved. With the Sent folder, which
 * holds the message under its fixed Message-ID, this is what makes a retried send safe:
 * - accepted, or already in Sent: never submitted again (only the Sent copy is completed);
 * - submitting: the process stopped while the server was taking the message, so it may have
 *   gone; Tandem asks the person instead of risking a second delivery;
 * - nothing: it never reached the server; sending again is safe.
 */
export type OutboxStage = 'submitting' | 'accepted'

interface Entry { stage: OutboxStage; messageId: string; at: number }

const KEY = 'outboxJournal'

export class OutboxJournal {
  constructor(private readonly state: StateStore) {}

  async stage(outboxId: string): Promise<OutboxStage | null> {
    return (await this.all())[outboxId]?.stage ?? null
  }

  async mark(outboxId: string, stage: OutboxStage | null, messageId = ''): Promise<void> {
    const all = { ...await this.all() }
    if (stage) all[outboxId] = { stage, messageId, at: Date.now() }
    else delete all[outboxId]
    await this.state.write(KEY, all)
  }

  private async all(): Promise<Record<string, Entry>> {
    return await this.state.read<Record<string, Entry>>(KEY) ?? {}
  }
}

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ApiError, Text } from '../../../shared/api/errors'
import { useApi } from '../api/use-api'
import { TaskQueue, type NewTask, type SendTask, type Task, type UndoOutcome } from '../queue/task-queue'
import { isFinished, isOpen } from '../queue/tasks'
import { useNoticesStore } from './notices'
import { useSessionStore } from './session'
import { say, tr } from '../i18n'

export type Outcome = { kind: 'done'; result: unknown } | { kind: 'held'; error: ApiError } | { kind: 'waiting'; error: ApiError | null }

/**
 * The person's queued actions: the durable TaskQueue over the signed-in person's
 * cache, what it counts, the outbox, and the notices for what could not be done.
 */
export const useQueueStore = defineStore('queue', () => {
  const api = useApi()
  const session = useSessionStore()
  const notices = useNoticesStore()
  const tasks = shallowRef<Task[]>([])
  /** Whether the Outbox dialog is open (a notice about a held message opens it). */
  const outboxOpen = ref(false)
  const showOutbox = () => { outboxOpen.value = true }
  /** A notice about a held message, with the way to where the person decides: it stays until they close it or go there. */
  const heldNotice = (subject: string, error: ApiError) => notices.show(
    tr('actions.held', { subject: subject || tr('list.noSubject'), reason: say(error) }),
    { kind: 'error', ms: null, action: { label: tr('outbox.open'), run: showOutbox } },
  )
  const waiters = new Map<string, (o: Outcome) => void>()
  let queue: TaskQueue | null = null

  /** What the person still has to act on or wait for (finished tasks are kept a minute, out of sight). */
  const live = computed(() => tasks.value.filter((t) => !isFinished(t)))
  const pending = computed(() => tasks.value.filter(isOpen).length)
  const outbox = computed(() => live.value.filter((t): t is SendTask => t.kind === 'send'))
  const held = computed(() => tasks.value.filter((t) => t.status === 'held'))

  async function reload(): Promise<void> {
    const db = session.db
    tasks.value = db ? await db.tasks.orderBy('seq').toArray() : []
  }

  const settle = (id: string, o: Outcome) => { waiters.get(id)?.(o); waiters.delete(id) }

  function start(): void {
    queue?.stop()
    const db = session.db
    if (!db) { queue = null; tasks.value = []; return }
    queue = new TaskQueue(db, (name, input) => api.call(name, input), {
      changed: () => { void reload() },
      done: (task, result, gone) => {
        settle(task.id, { kind: 'done', result })
        if (gone.length) {
          notices.show(tr('actions.gone', { count: gone.length }), { kind: 'error' })
        }
        if (task.kind === 'send') reportRefused(task, result)
      },
      dropped: (task, error) => {
        settle(task.id, { kind: 'held', error })
        console.warn('tandem: dropped task', task.kind, error.code, error.message)
        notices.show(tr('actions.takenBack', { reason: say(error) }), { kind: 'error' })
      },
      held: (task, error) => {
        // The composer waiting for it says so itself (next to the field, or its own notice).
        const told = waiters.has(task.id)
        settle(task.id, { kind: 'held', error })
        if (!told && task.kind === 'send') heldNotice(task.request.subject, error)
      },
    })
    void reload().then(() => queue?.kick())
  }

  // One queue per signed-in person, running whenever they are.
  watch(() => session.db, () => start(), { immediate: true })
  // Back online: replay. Also now and then, for anything that waited.
  api.on('connection.state', (s) => { if (s.state === 'online') void queue?.kick() })
  // The submission server answers again (IMAP may never have gone): queued mail goes now.
  api.on('smtp.state', (s) => { if (s.reachable) void queue?.kick() })

  /** Sent, but some recipients refused by the server: they are named, and nobody gets it twice. */
  function reportRefused(task: SendTask, result: unknown): void {
    const refused = (result as { refused?: { address: string; reason: Text }[] } | null)?.refused ?? []
    if (!refused.length) return
    notices.show(tr('outbox.partlyRefused', {
      subject: task.request.subject || tr('list.noSubject'),
      addresses: refused.map((r) => r.address).join(', '),
      reasons: refused.map((r) => say(r.reason)).join(' '),
    }), { kind: 'error', ms: 20_000 })
  }

  /**
   * The person's decision about a message held because an attempt may have gone. Main keeps it
   * (for that one attempt); the task is then run again, and main does what was decided — or
   * asks again, when the decision was about an attempt that is no longer the last.
   */
  async function decide(task: SendTask, choice: 'sendAgain' | 'wasSent'): Promise<void> {
    const attempt = Number(task.error?.params?.attempt ?? 1)
    const { applied } = await api.call('outbox.decide', { outboxId: task.id, attempt, choice })
    if (!applied) notices.show(tr('outbox.staleDecision'))
    await update(task.id, {})
  }
  setInterval(() => { if (pending.value) void queue?.kick() }, 15_000)

  async function add(task: NewTask): Promise<Task> {
    if (!queue) start()
    return queue!.add(task)
  }

  /**
   * Adds a task and waits for what became of it: carried out, held (refused), or waiting for
   * the connection (then it stays queued and goes later).
   */
  async function addAndWait(task: NewTask): Promise<Outcome> {
    const outcome = new Promise<Outcome>((resolve) => waiters.set(task.id, resolve))
    await add(task)
    await queue!.kick()
    const row = await session.db?.tasks.where('id').equals(task.id).first()
    if (row && isOpen(row)) settle(task.id, { kind: 'waiting', error: row.error })
    return outcome
  }

  /** Runs what is queued now (before a sync, so the server has our changes first). */
  const flush = () => queue?.kick() ?? Promise.resolve()
  const cancel = (id: string) => queue?.cancel(id) ?? Promise.resolve(null)
  const update = (id: string, changes: Parameters<TaskQueue['update']>[1]) => queue?.update(id, changes) ?? Promise.resolve()
  /** Undoes a task: taken back before it ran, else reversed (see TaskQueue.undo). */
  const undo = (id: string): Promise<UndoOutcome> => queue?.undo(id) ?? Promise.resolve('impossible')

  return {
    tasks: live, pending, outbox, held, add, addAndWait, flush, cancel, update, undo, decide, outboxOpen, showOutbox, heldNotice,
  }
})

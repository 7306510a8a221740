import { defineStore } from 'pinia'
import { computed, shallowRef, watch } from 'vue'
import type { ApiError } from '../../../shared/api/errors'
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
      },
      dropped: (task, error) => {
        settle(task.id, { kind: 'held', error })
        console.warn('tandem: dropped task', task.kind, error.code, error.message)
        notices.show(tr('actions.takenBack', { reason: say(error) }), { kind: 'error' })
      },
      held: (task, error) => {
        settle(task.id, { kind: 'held', error })
        if (!waiters.has(task.id) && task.kind === 'send') notices.show(tr('actions.held', { subject: task.request.subject || tr('list.noSubject'), reason: say(error) }), { kind: 'error' })
      },
    })
    void reload().then(() => queue?.kick())
  }

  // One queue per signed-in person, running whenever they are.
  watch(() => session.db, () => start(), { immediate: true })
  // Back online: replay. Also now and then, for anything that waited.
  api.on('connection.state', (s) => { if (s.state === 'online') void queue?.kick() })
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
    tasks: live, pending, outbox, held, add, addAndWait, flush, cancel, update, undo,
  }
})

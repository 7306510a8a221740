/**
 * The names of every call and event, without their schemas, for the sandboxed preload (which
 * bundles no validation library). contract.ts checks at compile time that these match it.
 */
export const CALL_NAMES = ['app.info', 'session.signIn', 'session.current', 'session.signOut', 'folders.list'] as const
export const EVENT_NAMES = ['connection.state', 'session.ended'] as const

/** IPC channels between preload and main. */
export const IPC_CALL = 'tandem:call'
export const IPC_EVENT = 'tandem:event'

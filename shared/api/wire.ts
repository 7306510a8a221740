import { z } from 'zod'
import { callResultSchema } from './contract'

/** Messages on the web host's WebSocket. Electron's IPC carries the same shapes. */
export const clientMessageSchema = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  name: z.string().max(100),
  input: z.unknown(),
})
export type ClientMessage = z.infer<typeof clientMessageSchema>

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number().int(), result: callResultSchema }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
])
export type ServerMessage = z.infer<typeof serverMessageSchema>

import { z } from 'zod'

/**
 * Domain types shared by the renderer and the main process. Plain serialisable objects that refer
 * to each other by id; TypeScript types are inferred from the schemas.
 */

export const emailAddressSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[^@\s"<>]+@[^@\s"<>]+\.[^@\s"<>]+$/, 'Enter an e-mail address such as name@example.com')
  .max(320)

/** How a connection is protected: implicit TLS, STARTTLS, or none (allowed to loopback only). */
export const securitySchema = z.enum(['tls', 'starttls', 'none'])
export type Security = z.infer<typeof securitySchema>

export const endpointSchema = z.object({
  host: z.string().trim().min(1, 'Enter the server name').max(253),
  port: z.number().int().min(1).max(65535),
  security: securitySchema,
})
export type Endpoint = z.infer<typeof endpointSchema>

export const serverSettingsSchema = z.object({
  imap: endpointSchema,
  smtp: endpointSchema,
})
export type ServerSettings = z.infer<typeof serverSettingsSchema>

export const accountSchema = z.object({
  id: z.string(),
  address: emailAddressSchema,
  server: serverSettingsSchema,
})
export type Account = z.infer<typeof accountSchema>

/** A mailbox the user works in: their own, or a shared mailbox they are a member of (R1). */
export const mailboxSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  kind: z.enum(['own', 'shared']),
  address: emailAddressSchema,
  name: z.string(),
})
export type Mailbox = z.infer<typeof mailboxSchema>

export const folderRoleSchema = z.enum(['inbox', 'sent', 'drafts', 'trash', 'junk', 'archive', 'other'])
export type FolderRole = z.infer<typeof folderRoleSchema>

export const folderSchema = z.object({
  id: z.string(),
  mailboxId: z.string(),
  /** The server's path, exactly as LISTed (never rebuilt from a guessed separator). */
  path: z.string(),
  /** Display name: the last path segment. */
  name: z.string(),
  /** Names of the parents, outermost first, for the tree. */
  parents: z.array(z.string()),
  delimiter: z.string().nullable(),
  role: folderRoleSchema,
  subscribed: z.boolean(),
  selectable: z.boolean(),
})
export type Folder = z.infer<typeof folderSchema>

export const sessionSchema = z.object({
  account: accountSchema,
  mailboxes: z.array(mailboxSchema),
})
export type Session = z.infer<typeof sessionSchema>

export const connectionStateSchema = z.object({
  mailboxId: z.string(),
  state: z.enum(['online', 'connecting', 'offline']),
  detail: z.string().optional(),
})
export type ConnectionState = z.infer<typeof connectionStateSchema>

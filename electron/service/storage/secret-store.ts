/**
 * Where passwords live in the main process. Electron's main.ts injects one backed by the OS
 * keychain (safeStorage); the web host and tests use memory. The renderer never sees a secret.
 */
export interface SecretStore {
  /** False when secrets last only until the app closes (no secure keychain here). */
  readonly persistent?: boolean
  get(key: string): Promise<string | undefined>
  set(key: string, secret: string): Promise<void>
  delete(key: string): Promise<void>
}

export class MemorySecretStore implements SecretStore {
  readonly persistent = false
  private readonly secrets = new Map<string, string>()
  async get(key: string) { return this.secrets.get(key) }
  async set(key: string, secret: string) { this.secrets.set(key, secret) }
  async delete(key: string) { this.secrets.delete(key) }
}

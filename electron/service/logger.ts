/** Where the service writes what an administrator or developer may need to know. Never passwords or tokens. */
export type Logger = (level: 'info' | 'warn' | 'error', line: string) => void

export const consoleLogger: Logger = (level, line) => {
  if (level === 'error') console.error(`tandem: ${line}`)
  else if (level === 'warn') console.warn(`tandem: ${line}`)
}

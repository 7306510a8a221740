import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { serverSettingsSchema } from '../../shared/domain'
import { projectRoot, startWebApp } from './web-app'
import { internalErrors } from '../service/logger'

/**
 * `npm run web`: the mail service and the built renderer on 127.0.0.1, for a browser.
 * Options: --port N (default 5193, or a free one when taken), --server JSON (suggested server
 * settings for the sign-in form; also TANDEM_SUGGESTED_SERVER), --state FILE.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      server: { type: 'string' },
      state: { type: 'string' },
    },
  })
  const rendererDir = join(projectRoot, 'out', 'renderer')
  if (!existsSync(join(rendererDir, 'index.html'))) {
    console.error('The renderer is not built. Run `npm run build` first (npm run web does it for you).')
    process.exit(1)
  }
  const serverJson = values.server ?? process.env.TANDEM_SUGGESTED_SERVER
  const suggestedServer = serverJson ? serverSettingsSchema.parse(JSON.parse(serverJson)) : null
  const stateFile = values.state ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Tandem', 'web-state.json')
  const wanted = Number(values.port ?? 5193)
  const app = await startWebApp({ rendererDir, port: wanted, stateFile, suggestedServer })
    .catch(() => startWebApp({ rendererDir, port: 0, stateFile, suggestedServer }))
  console.log(`Tandem is running at ${app.url}`)
  console.log('Open that address in a browser (the token in it is this launch\'s key). Ctrl+C stops.')
  // A mail server that drops connections must never take the service down with it.
  process.on('unhandledRejection', (e) => internalErrors()('unhandled rejection', e))
  const stop = () => { void app.stop().then(() => process.exit(0)) }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

void main()

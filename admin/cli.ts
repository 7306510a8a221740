import { runAdmin } from './run'

// Output piped into a command that stopped reading (| head): nothing more to say.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0) })

// tandem-admin: `npm run admin -- <command>`, or the `tandem-admin` bin of an install.
void runAdmin(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
}).then((code) => { process.exitCode = code })

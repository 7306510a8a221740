import { runAdmin } from './run'

// tandem-admin: `npm run admin -- <command>`, or the `tandem-admin` bin of an install.
void runAdmin(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
}).then((code) => { process.exitCode = code })

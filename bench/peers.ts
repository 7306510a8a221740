import { execFile } from 'node:child_process'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** What a peer client did: wall time, and the CPU it used (user + system, its processes together). */
export interface PeerRun { ms: number; cpuMs: number; detail: string }

export interface ImapLogin { host: string; port: number; user: string; password: string; folder: string }

/**
 * neomutt (Debian's package) opening the folder with an empty header cache: it sends one
 * `FETCH 1:n (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (…)])`, parses the
 * answer and writes its cache — the same job as Tandem's initial sync. It runs in a pseudo
 * terminal (`script`), opens the folder at start and quits as soon as the index is ready (the
 * pushed <quit> is read only then). Wall and CPU time come from bash's `time` around it.
 */
export async function neomuttOpen(login: ImapLogin): Promise<PeerRun> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-bench-neomutt-'))
  try {
    const rc = join(dir, 'neomuttrc')
    const quote = (s: string) => `"${s.replace(/["\\$`]/g, '\\$&')}"`
    await writeFile(rc, [
      `set imap_user=${quote(login.user)}`,
      `set imap_pass=${quote(login.password)}`,
      `set folder=${quote(`imap://${login.host}:${login.port}/`)}`,
      `set spoolfile=${quote(`+${login.folder}`)}`,
      `set header_cache=${quote(join(dir, 'hcache'))}`,
      // Loopback without TLS, as the bench's stack serves it.
      'set ssl_starttls=no', 'set ssl_force_tls=no',
      'set imap_check_subscribed=no', 'set quit=yes', 'set mail_check_stats=no',
    ].join('\n') + '\n')
    const cmd = `neomutt -n -F ${rc} -e 'push <quit>'`
    const { stdout, stderr } = await run('bash', ['-c', `TIMEFORMAT='%R %U %S'; { time script -qfec ${JSON.stringify(cmd)} /dev/null > /dev/null; } 2>&1`], {
      env: { ...process.env, TERM: 'xterm', COLUMNS: '120', LINES: '40', HOME: dir }, maxBuffer: 1 << 20,
    })
    const m = /(\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(stdout.trim() || stderr.trim())
    if (!m) throw new Error(`neomutt: no timing in ${JSON.stringify(stdout.slice(-200))}`)
    // Its header cache proves it read the headers (an empty folder or a failed login leaves none).
    const cached = await stat(join(dir, 'hcache')).then((s) => s.size, () => 0)
    return { ms: Number(m[1]) * 1000, cpuMs: (Number(m[2]) + Number(m[3])) * 1000, detail: `header cache ${(cached / 1024 / 1024).toFixed(1)} MB` }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Whether Debian's neomutt is installed here (the bench says so when it is not). */
export async function hasNeomutt(): Promise<boolean> {
  return run('neomutt', ['-v']).then(() => true, () => false)
}

import { fail, text, type Text } from '../../shared/api/errors'
import type { Endpoint } from '../../shared/domain'

/**
 * Questions only the person may answer, never the window: a grant they say they have, a
 * correspondent's changed certificate, the servers an organisation sign-in will be used at. A
 * window's code may be an attacker's (a hostile mail that took over the renderer), so main asks
 * itself: under Electron a native dialog (electron/main.ts), in the web host a page the host
 * serves on an origin of its own (electron/web/confirm-page.ts). Tests drive this one interface.
 */
export interface ConfirmQuestion {
  kind: 'hosts' | 'claim' | 'certificate'
  title: Text
  /** Paragraphs: what is asked, and what follows from each answer. */
  body: Text[]
  /** Said in warning colours before the buttons (e.g. servers outside the address's domain). */
  warning: Text | null
  /** The button that says yes. */
  accept: Text
  /** The button that says no (also what closing the dialog means). */
  refuse: Text
}

/** Asks the person; true only when they chose `accept`. */
export type Confirm = (question: ConfirmQuestion) => Promise<boolean>

/** Where the host can ask nobody: every question is answered no (fail closed). */
export const refuseAll: Confirm = async () => false

/** Said when the person answered no (or could not be asked). */
export const notConfirmed = (what: 'hosts' | 'claim' | 'certificate') =>
  fail({ code: 'auth.cancelled', key: `errors.confirm.${what}` })

const endpoint = (e: Endpoint) => `${e.host}:${e.port}`

/** Before an organisation sign-in's token is used at servers its provider does not name itself. */
export function hostsQuestion(issuer: string, address: string, imap: Endpoint, smtp: Endpoint, outside: string[]): ConfirmQuestion {
  const provider = new URL(issuer).host
  return {
    kind: 'hosts',
    title: text('confirm.hosts.title', { provider }),
    body: [
      text('confirm.hosts.body', { address, provider, imap: endpoint(imap), smtp: endpoint(smtp) }),
      text('confirm.hosts.after'),
    ],
    warning: outside.length ? text('confirm.hosts.outside', { hosts: outside.join(', '), count: outside.length, domain: address.split('@')[1] ?? '' }) : null,
    accept: text('confirm.hosts.accept'),
    refuse: text('confirm.refuse'),
  }
}

/** Before a grant the person says they have is added to their From addresses (R2, R3). */
export function claimQuestion(kind: 'sendAs' | 'onBehalf', mailbox: string, address: string): ConfirmQuestion {
  return {
    kind: 'claim',
    title: text(kind === 'sendAs' ? 'confirm.claim.titleAs' : 'confirm.claim.titleOnBehalf', { mailbox }),
    body: [text(kind === 'sendAs' ? 'confirm.claim.bodyAs' : 'confirm.claim.bodyOnBehalf', { mailbox, address })],
    warning: null,
    accept: text('confirm.claim.accept'),
    refuse: text('confirm.refuse'),
  }
}

/** Before a correspondent's changed certificate replaces the known one. */
export function certificateQuestion(address: string, current: string, proposed: string, verifiedBy: string | null): ConfirmQuestion {
  return {
    kind: 'certificate',
    title: text('confirm.certificate.title', { address }),
    body: [
      text('confirm.certificate.body', { address }),
      text('confirm.certificate.fingerprints', { current, proposed }),
      verifiedBy ? text('confirm.certificate.verified', { issuer: verifiedBy }) : text('confirm.certificate.unverified'),
    ],
    warning: verifiedBy ? null : text('confirm.certificate.warning', { address }),
    accept: text('confirm.certificate.accept'),
    refuse: text('confirm.certificate.refuse'),
  }
}

import { describe, expect, it } from 'vitest'
import { defaultOfflinePolicy, offlineWindow, withFolder } from '../../../shared/rules/offline'

const now = Date.UTC(2026, 10, 25)
const inbox = { id: 'shared:s|INBOX', role: 'inbox' as const }
const sent = { id: 'shared:s|Sent', role: 'sent' as const }
const archive = { id: 'shared:s|Archive', role: 'archive' as const }

describe('which bodies stay offline', () => {
  it('keeps everything of the own mailbox, the last 30 days of Inbox and Sent of a shared one', () => {
    expect(offlineWindow(defaultOfflinePolicy('own'), archive, now)).toEqual({ since: 0 })
    const shared = defaultOfflinePolicy('shared')
    expect(offlineWindow(shared, inbox, now)).toEqual({ since: now - 30 * 86_400_000 })
    expect(offlineWindow(shared, sent, now)).toEqual({ since: now - 30 * 86_400_000 })
    expect(offlineWindow(shared, archive, now)).toBeNull()
  })

  it('lets the person add a folder (all of it) or leave one out, whatever the mode', () => {
    const shared = defaultOfflinePolicy('shared')
    const withArchive = withFolder(shared, archive, true, now)
    expect(offlineWindow(withArchive, archive, now)).toEqual({ since: 0 })
    expect(offlineWindow(withFolder(shared, inbox, true, now), inbox, now)).toEqual({ since: 0 })
    const noInbox = withFolder(shared, inbox, false, now)
    expect(offlineWindow(noInbox, inbox, now)).toBeNull()
    expect(withFolder(noInbox, inbox, true, now).exclude).toEqual([])
    expect(offlineWindow(withFolder(defaultOfflinePolicy('own'), archive, false, now), archive, now)).toBeNull()
    expect(offlineWindow({ ...shared, mode: 'none' }, inbox, now)).toBeNull()
  })
})

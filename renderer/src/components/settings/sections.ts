import type { Component } from 'vue'
import { Bell, Globe, Hourglass, Keyboard, MessageSquareText, Palette, PenLine, ShieldCheck, UserRound, WifiOff } from 'lucide-vue-next'
import type { MessageKey } from '../../../../shared/i18n'
import AccountSection from './AccountSection.vue'
import NotificationsSection from './NotificationsSection.vue'
import LanguageSection from './LanguageSection.vue'
import AppearanceSection from './AppearanceSection.vue'
import OfflineSection from './OfflineSection.vue'
import SecuritySection from './SecuritySection.vue'
import ShortcutsSection from './ShortcutsSection.vue'
import SignaturesSection from './SignaturesSection.vue'
import SavedRepliesSection from './SavedRepliesSection.vue'
import ResponseTimesSection from './ResponseTimesSection.vue'

/**
 * One section of the Settings screen: its id (for `useUiStore().openSettings(id)`), its title,
 * its icon, what it shows, and the words it is found by in the search box — the catalogue
 * keys of its own settings' labels plus a `words` key of synonyms, searched in every language.
 */
export interface SettingsSection {
  id: string
  title: MessageKey
  icon: Component
  component: Component
  keywords: readonly MessageKey[]
}

/** The sections in the order the screen lists them. Adding one is one line here. */
export const SECTIONS: readonly SettingsSection[] = [
  { id: 'account', title: 'settings.account.title', icon: UserRound, component: AccountSection,
    keywords: ['settings.account.words', 'settings.account.signedInAs', 'settings.account.how', 'settings.account.servers', 'settings.account.mailboxes', 'settings.account.signOut'] },
  { id: 'notifications', title: 'settings.notifications.title', icon: Bell, component: NotificationsSection,
    keywords: ['settings.notifications.words', 'notify.enable', 'notify.quietHours', 'notify.quietEnable', 'notify.perMailbox'] },
  { id: 'signatures', title: 'signatures.title', icon: PenLine, component: SignaturesSection,
    keywords: ['signatures.title', 'signatures.editor', 'signatures.forNew', 'signatures.forReplies', 'signatures.address'] },
  { id: 'replies', title: 'replies.title', icon: MessageSquareText, component: SavedRepliesSection,
    keywords: ['replies.words', 'replies.title', 'replies.new', 'replies.of'] },
  { id: 'response-times', title: 'responseTimes.title', icon: Hourglass, component: ResponseTimesSection,
    keywords: ['responseTimes.words', 'responseTimes.firstReply', 'responseTimes.nextReply', 'responseTimes.workingHours', 'responseTimes.holidays', 'responseTimes.timeZone'] },
  { id: 'language', title: 'settings.language.title', icon: Globe, component: LanguageSection,
    keywords: ['settings.language.words', 'app.language'] },
  { id: 'appearance', title: 'settings.appearance.title', icon: Palette, component: AppearanceSection,
    keywords: ['settings.appearance.words', 'settings.appearance.theme', 'settings.appearance.themeDark', 'settings.appearance.themeLight', 'settings.appearance.density', 'settings.appearance.comfortable', 'settings.appearance.compact'] },
  { id: 'offline', title: 'settings.offline.title', icon: WifiOff, component: OfflineSection,
    keywords: ['settings.offline.words', 'settings.offline.all', 'settings.offline.none'] },
  { id: 'security', title: 'settings.security.title', icon: ShieldCheck, component: SecuritySection,
    keywords: ['settings.security.words', 'dialogs.securityTitle', 'dialogs.yourKey', 'dialogs.recipientCertificate', 'dialogs.certificatesTitle'] },
  { id: 'shortcuts', title: 'settings.shortcuts.title', icon: Keyboard, component: ShortcutsSection,
    keywords: ['settings.shortcuts.words', 'dialogs.shortcutsTitle'] },
]

import { writeFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeCa } from '../fixtures/smime'
import { test, expect, choose, signIn } from './fixtures'

test('importing a certificate turns Encrypt on for personal mail only (R4)', async ({ app, stack }) => {
  const ca = makeCa()
  const mine = ca.issue('alice@contoso.test', 'Alice Archer')
  const dir = await mkdtemp(join(tmpdir(), 'tandem-p12-'))
  await writeFile(join(dir, 'alice.p12'), Buffer.from(mine.p12, 'base64'))
  await signIn(app, stack, 'alice@contoso.test')
  await app.getByRole('button', { name: 'New message' }).click()
  const dialog = app.getByRole('dialog', { name: 'New message' })
  await expect(dialog.getByRole('checkbox', { name: 'Encrypt' })).toBeDisabled()
  await expect(dialog).toContainText('import your S/MIME certificate')
  await dialog.getByRole('button', { name: 'Close' }).click()

  // Settings → Security (Ctrl+, opens Settings from anywhere in the mail).
  await app.keyboard.press('Control+,')
  const security = app.getByRole('dialog', { name: 'Settings' })
  await security.getByRole('tab', { name: 'Security' }).click()
  await expect(security.getByRole('tabpanel')).toContainText('Your certificate and key')
  await security.getByLabel('Certificate file', { exact: true }).setInputFiles(join(dir, 'alice.p12'))
  await security.getByLabel('Certificate password').fill(mine.password)
  await security.getByRole('button', { name: 'Import' }).click()
  await expect(security.getByTestId('smime-identity')).toContainText('alice@contoso.test')
  await security.getByRole('button', { name: 'Close' }).click()

  await app.getByRole('button', { name: 'New message' }).click()
  await expect(dialog.getByRole('checkbox', { name: 'Encrypt' })).toBeEnabled()
  await choose(app, 'From', 'Contoso Support <support@contoso.test>', dialog)
  await expect(dialog.getByRole('checkbox', { name: 'Encrypt' })).toBeDisabled()
  await expect(dialog).toContainText('R4')
})

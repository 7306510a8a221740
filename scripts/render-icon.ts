// Renders resources/icon.svg to resources/icon.png (1024 px) with Debian's Chromium, for
// electron-builder (it derives the .ico and .icns from it): npx tsx scripts/render-icon.ts
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { projectRoot } from '../electron/web/web-app'
import { CHROMIUM_ARGS } from '../playwright.config'

async function main(): Promise<void> {
  const svg = readFileSync(join(projectRoot, 'resources', 'icon.svg'), 'utf8')
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  const page = await browser.newPage({ viewport: { width: 1024, height: 1024 } })
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`)
  await page.locator('svg').screenshot({ path: join(projectRoot, 'resources', 'icon.png'), omitBackground: true })
  await browser.close()
}

void main()

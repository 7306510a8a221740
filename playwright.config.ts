import { defineConfig } from '@playwright/test'

/** Chromium flags for running as root on machines with no network but loopback. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu', '--disable-quic']

export default defineConfig({
  testDir: 'test/e2e',
  // Each worker starts its own mail stack; two cores, so two workers (three made every test two to
  // three times slower, the two-member specs most: their windows and services compete for CPU).
  workers: 2,
  fullyParallel: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  outputDir: 'test-results/e2e',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    // English unless a test asks for another language (the Dutch walk uses nl-NL).
    locale: 'en-US',
    trace: 'retain-on-failure',
  },
})

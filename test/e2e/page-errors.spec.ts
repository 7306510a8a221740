import { test, expect } from './fixtures'

/**
 * The shared fixture (fixtures.ts, failOnPageError) fails a test on any error in its pages, even
 * when every assertion of the test held. Each test below passes its own assertions and raises a
 * page error: `test.fail()` says it must fail, so each of them passes only while the fixture works.
 */
test.describe('a page error fails the spec', () => {
  test('an uncaught error in the test\'s page', async ({ page }) => {
    test.fail()
    await page.setContent('<p>ready</p>')
    await page.evaluate(() => { setTimeout(() => { throw new Error('thrown after the test looked') }) })
    await expect(page.getByText('ready')).toBeVisible()
    await page.waitForTimeout(100)
  })

  test('an unhandled rejection', async ({ page }) => {
    test.fail()
    await page.setContent('<p>ready</p>')
    await page.evaluate(() => { void Promise.reject(new Error('Cannot access \'pulling\' before initialization')) })
    await expect(page.getByText('ready')).toBeVisible()
    await page.waitForTimeout(100)
  })

  test('an error in a page of a context the test opened itself', async ({ browser }) => {
    test.fail()
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.setContent('<p>ready</p>')
    await page.evaluate(() => { setTimeout(() => { throw new Error('in a second window') }) })
    await expect(page.getByText('ready')).toBeVisible()
    await page.waitForTimeout(100)
    await context.close()
  })

  test('a page without errors passes', async ({ page }) => {
    await page.setContent('<p>ready</p>')
    await expect(page.getByText('ready')).toBeVisible()
  })
})

// Open one URL in a real headless Chromium (Debian's package) with playwright-core and report the
// document's title once loaded, and what the page's own scripts could see of its origin.
// usage: node page_title.mjs URL USER_DATA_DIR
import { chromium } from 'playwright-core'

const [url, userDataDir] = process.argv.slice(2)
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
try {
  const page = await context.newPage()
  const response = await page.goto(url, { waitUntil: 'load' })
  await page.waitForTimeout(300) // let an inline script (if it may run) finish
  console.log(JSON.stringify({ status: response.status(), title: await page.title() }))
} finally {
  await context.close()
}

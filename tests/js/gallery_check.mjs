// Drive the gallery in a real headless Chromium (Debian's package) with playwright-core: wait for
// every verification badge to settle, report titles and badge states as JSON, save a screenshot.
// usage: node gallery_check.mjs URL SCREENSHOT.png USER_DATA_DIR [retry]
// With "retry": then press every visible "Check again" button and report the badges once more.
import { chromium } from 'playwright-core'

const [url, screenshot, userDataDir, retry] = process.argv.slice(2)
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1100, height: 900 },
})
const requests = []
const errors = []
try {
  const page = await context.newPage()
  page.on('request', (r) => requests.push(r.url()))
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  await page.goto(url, { waitUntil: 'load' })
  // The index checks a card when it comes on screen: look at every card, as a visitor scrolls.
  await page.evaluate(async () => {
    for (const card of document.querySelectorAll('li.card')) {
      card.scrollIntoView()
      await new Promise((resolve) => requestAnimationFrame(resolve))
    }
    window.scrollTo(0, 0)
  })
  await page.waitForFunction(() => {
    const badges = document.querySelectorAll('.badge')
    return badges.length > 0 && [...badges].every((b) => b.dataset.state !== 'pending')
  }, null, { timeout: 30000 })
  const works = await page.$$eval('li.card[data-token]', (cards) => cards.map((c) => ({
    token: c.dataset.token, // a decimal string: ids are 256-bit image digests
    title: c.querySelector('h2').textContent.trim(),
    state: c.querySelector('.badge').dataset.state,
    text: c.querySelector('.badge-text').textContent,
    alt: c.querySelector('img') ? c.querySelector('img').getAttribute('alt') : null,
    imageLoaded: c.querySelector('img') ? c.querySelector('img').naturalWidth > 0 : false,
  })))
  const offers = await page.$$eval('li.card[data-offer]', (cards) => cards.map((c) => ({
    id: c.dataset.offer, title: c.querySelector('h2').textContent.trim(),
    href: c.querySelector('h2 a').getAttribute('href'),
  })))
  const badges = await page.$$eval('.badge', (bs) => bs.map((b) => b.dataset.state))
  await page.screenshot({ path: screenshot, fullPage: true })
  let afterRetry = null
  if (retry === 'retry') {
    const buttons = await page.$$('.badge .recheck:not([hidden])')
    for (const button of buttons) await button.click()
    await page.waitForFunction(() => [...document.querySelectorAll('.badge')].every((b) => b.dataset.state !== 'pending'), null, { timeout: 30000 })
    afterRetry = await page.$$eval('.badge', (bs) => bs.map((b) => b.dataset.state))
  }
  const origin = new URL(url).origin
  const foreign = requests.filter((r) => !r.startsWith(origin) && !r.startsWith('data:') && !r.startsWith(`blob:${origin}/`))
  console.log(JSON.stringify({ works, offers, badges, afterRetry, foreign, errors, title: await page.title() }))
} finally {
  await context.close()
}

// The gallery's index at scale, in a real headless Chromium (Debian's package) with playwright-core.
// usage: node gallery_scale.mjs URL USER_DATA_DIR MODE [SCREENSHOT.png] [RPC_URL]
// MODE "screen": time from navigation to the first screenful of settled badges; the states of the
//   badges on screen and of those below it (which must not have been checked); requests by kind
//   (rpc: the chain reader, gateway: /ipfs/, blob: images shown from checked bytes, page: the
//   rest) made until then; then scroll to the end and report every badge.
// MODE "first": only the first screenful (scripts/bench_gallery_scale.py).
// MODE "retry": the first screenful settled, press "Check again" on each badge that could not be
//   checked and report the screenful again.
// MODE "nojs": JavaScript off: follow the index's "Older" link, then a card's link; report.
// One JSON line on stdout.
import { chromium } from 'playwright-core'

const [url, userDataDir, mode, screenshot, rpcUrl] = process.argv.slice(2)
const TIMEOUT = Number(process.env.SCALE_TIMEOUT_MS || 60000) // the first screenful's bound
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1100, height: 900 },
  javaScriptEnabled: mode !== 'nojs',
})

function kind (requestUrl) {
  if (requestUrl.startsWith('blob:')) return 'blob'
  const u = new URL(requestUrl)
  if (u.pathname === '/rpc' || (rpcUrl && requestUrl.startsWith(rpcUrl))) return 'rpc'
  if (u.pathname.startsWith('/ipfs/')) return 'gateway'
  return 'page'
}

// Badges whose card is (at least partly) in the viewport ("on"), those wholly below it by more than
// the distance at which cards are checked ahead ("below"), and all of them. Functions, not strings:
// the page's Content-Security-Policy forbids eval.
function screen (which) {
  const h = window.innerHeight
  const all = [...document.querySelectorAll('li.card[data-token] .badge')]
  const box = (b) => b.closest('li').getBoundingClientRect()
  const on = all.filter((b) => { const r = box(b); return r.bottom > 0 && r.top < h })
  const below = all.filter((b) => box(b).top > h + 1000)
  const picked = { on, below, all }[which]
  return picked.map((b) => ({
    token: b.closest('li').dataset.token,
    state: b.dataset.state,
    text: b.querySelector('.badge-text').textContent,
    image: Boolean(b.closest('article').querySelector('.card-image img')),
  }))
}

async function settledScreen (page) {
  await page.waitForFunction(() => {
    const h = window.innerHeight
    const on = [...document.querySelectorAll('li.card[data-token] .badge')].filter((b) => {
      const r = b.closest('li').getBoundingClientRect()
      return r.bottom > 0 && r.top < h
    })
    return on.length > 0 && on.every((b) => b.dataset.state !== 'pending')
  }, null, { timeout: TIMEOUT, polling: 20 })
}

const states = (page, which) => page.evaluate(screen, which)

try {
  const page = await context.newPage()
  const counts = { rpc: 0, gateway: 0, blob: 0, page: 0 }
  const errors = []
  page.on('request', (r) => { counts[kind(r.url())] += 1 })
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  const out = { mode }
  if (mode === 'nojs') {
    await page.goto(url, { waitUntil: 'load' })
    out.cards = await page.$$eval('li.card[data-token]', (cs) => cs.length)
    out.first = await page.$eval('li.card[data-token] h2', (h) => h.textContent.trim())
    out.pages = await page.$eval('nav.pager', (n) => [...n.querySelectorAll('a, .gap')].map((a) => a.textContent.trim()))
    await page.click('nav.pager a[rel="next"]')
    out.secondUrl = page.url()
    out.secondCards = await page.$$eval('li.card[data-token]', (cs) => cs.length)
    out.secondFirst = await page.$eval('li.card[data-token] h2', (h) => h.textContent.trim())
    out.current = await page.$eval('nav.pager a[aria-current="page"]', (a) => a.textContent.trim())
    await page.click('li.card[data-token] h2 a')
    out.workTitle = await page.$eval('h1#title', (h) => h.textContent.trim())
    await page.goBack()
    await page.click('nav.pager a[rel="prev"]')
    out.backUrl = page.url()
  } else {
    const start = Date.now()
    await page.goto(url, { waitUntil: 'commit' })
    await settledScreen(page)
    out.firstScreenMs = Date.now() - start
    out.requests = { ...counts }
    out.onScreen = await states(page, 'on')
    out.below = await states(page, 'below')
    if (screenshot) await page.screenshot({ path: screenshot })
    if (mode === 'first') {
      // the benchmark's measure: nothing more
    } else if (mode === 'retry') {
      for (const button of await page.$$('.badge .recheck:not([hidden])')) {
        if (await button.isVisible()) await button.click()
      }
      await settledScreen(page)
      out.afterRetry = await states(page, 'on')
    } else {
      // Scrolled to the end, every card gets checked.
      for (let y = 0; y < 40; y++) {
        const done = await page.evaluate(() => { window.scrollBy(0, window.innerHeight); return window.scrollY + window.innerHeight >= document.body.scrollHeight - 2 })
        await page.waitForTimeout(50)
        if (done) break
      }
      await page.waitForFunction(() => [...document.querySelectorAll('li.card[data-token] .badge')].every((b) => b.dataset.state !== 'pending'), null, { timeout: 60000 })
      out.all = await states(page, 'all')
      out.totalRequests = { ...counts }
    }
  }
  out.errors = errors
  console.log(JSON.stringify(out))
} finally {
  await context.close()
}

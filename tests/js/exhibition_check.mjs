// Look at one gallery page in headless Chromium (Debian's, via playwright-core) at a given width:
// wait for the badges, let animations play, report what a visitor sees, save a full-page screenshot.
// usage: node exhibition_check.mjs URL SCREENSHOT.png USER_DATA_DIR WIDTH [VIEW]
// (VIEW: on a work page, click the stage's tab for that version first: live, animation, still)
import { chromium } from 'playwright-core'

const [url, screenshot, userDataDir, width, view] = process.argv.slice(2)
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required'],
  viewport: { width: Number(width), height: 900 },
})
const requests = []
const errors = []
try {
  const page = await context.newPage()
  page.on('request', (r) => requests.push(r.url()))
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  page.on('pageerror', (e) => errors.push(String(e)))
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
  }, null, { timeout: 60000 })
  // A live portrait settles once its model is fetched, hashed and running (or refused).
  await page.waitForFunction(() => [...document.querySelectorAll('[data-live-portrait]')]
    .every((f) => ['running', 'still', 'error'].includes(f.dataset.state)), null, { timeout: 90000 })
  if (view) await page.click(`.stage-tab[data-view="${view}"]`)
  // Give animations a moment to start and stills to be sized.
  await page.waitForTimeout(1500)
  const report = await page.evaluate(() => {
    const media = (m) => ({
      tag: m.tagName.toLowerCase(),
      natural: m.tagName === 'VIDEO' ? m.videoWidth : m.naturalWidth,
      shown: m.getBoundingClientRect().width,
      scale: m.dataset.scale || null,
      pixelated: getComputedStyle(m).imageRendering === 'pixelated',
      playing: m.tagName === 'VIDEO' ? (!m.paused && m.currentTime > 0) : null,
      muted: m.tagName === 'VIDEO' ? m.muted : null,
      loop: m.tagName === 'VIDEO' ? m.loop : null,
      visible: m.getBoundingClientRect().width > 0,
    })
    return {
      title: document.title,
      siteName: document.querySelector('.site-name').textContent.trim(),
      statement: (document.querySelector('.statement') || { textContent: '' }).textContent.trim(),
      cover: document.querySelector('img.cover') ? document.querySelector('img.cover').naturalWidth : null,
      favicon: document.querySelector('link[rel="icon"]') ? document.querySelector('link[rel="icon"]').href : null,
      badges: [...document.querySelectorAll('.badge')].map((b) => b.dataset.state),
      badgeTexts: [...document.querySelectorAll('.badge-text')].map((b) => b.textContent),
      stills: [...document.querySelectorAll('.artwork-slot img')].map(media),
      animations: [...document.querySelectorAll('.animation-slot video, .animation-slot img')].map(media),
      live: [...document.querySelectorAll('[data-live-portrait]')].map((f) => ({
        state: f.dataset.state,
        status: (f.querySelector('[data-live-status]') || { textContent: '' }).textContent,
        fps: f.livePortrait ? f.livePortrait.fps : null,
      })),
      reserved: [...document.querySelectorAll('.reserved')].map((r) => r.textContent.trim()),
      copies: [...document.querySelectorAll('button.copy')].filter((b) => !b.hidden).length,
      firstSection: (document.querySelector('main section h1') || { textContent: '' }).textContent.trim(),
      overflow: document.documentElement.scrollWidth > window.innerWidth,
      owners: [...document.querySelectorAll('.owner')].map((o) => o.textContent.trim()),
      tabs: [...document.querySelectorAll('.stage-tab')].filter((t) => t.getBoundingClientRect().width > 0)
        .map((t) => ({ view: t.dataset.view, selected: t.getAttribute('aria-selected') === 'true' })),
      stageWidth: document.querySelector('.stage') ? document.querySelector('.stage').getBoundingClientRect().width : null,
      tokenLine: (document.querySelector('.token-line') || { textContent: '' }).textContent.trim(),
      chips: [...document.querySelectorAll('.chip')].map((c) => c.textContent.trim()),
      artist: (document.querySelector('[data-artist]') || { textContent: null }).textContent,
    }
  })
  await page.screenshot({ path: screenshot, fullPage: true })
  const origin = new URL(url).origin
  report.foreign = requests.filter((r) => !r.startsWith(origin) && !r.startsWith('data:') && !r.startsWith(`blob:${origin}/`))
  report.errors = errors
  console.log(JSON.stringify(report))
} finally {
  await context.close()
}

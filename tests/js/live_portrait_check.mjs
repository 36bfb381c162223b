// Open a page with a live portrait in a real headless Chromium (Debian's package, playwright-core):
// wait until it runs, render the work's seed once (RGB bytes, base64), count the frames the walk
// draws in SECONDS, time INFERENCES back-to-back model runs, and report requests, console errors
// and CSP violations as JSON.
// usage: node live_portrait_check.mjs URL USER_DATA_DIR [SECONDS] [INFERENCES] [SCREENSHOT.png]
import { chromium } from 'playwright-core'

const [url, userDataDir, seconds = '3', inferences = '20', screenshot] = process.argv.slice(2)
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 900, height: 900 },
})
const requests = []
const errors = []
try {
  const page = await context.newPage()
  page.on('request', (r) => requests.push(r.url()))
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  page.on('pageerror', (e) => errors.push(String(e)))
  await page.goto(url, { waitUntil: 'load' })
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-live-portrait]')
    return el && ['running', 'error', 'still'].includes(el.dataset.state)
  }, null, { timeout: 120000 })
  const result = await page.evaluate(async ([seconds, inferences]) => {
    const el = document.querySelector('[data-live-portrait]')
    const out = { state: el.dataset.state, status: el.querySelector('[data-live-status]').textContent }
    const portrait = el.livePortrait
    if (!portrait) return out
    out.size = portrait.size
    out.threads = portrait.threads
    out.zDim = portrait.zDim
    const framesBefore = portrait.frames
    const t0 = performance.now()
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    out.walkFps = (portrait.frames - framesBefore) / ((performance.now() - t0) / 1000)
    portrait.stop()
    await new Promise((resolve) => setTimeout(resolve, 200))
    const rgb = await portrait.renderSeed()
    let binary = ''
    for (const b of rgb) binary += String.fromCharCode(b)
    out.seedRGB = btoa(binary)
    const times = []
    for (let i = 0; i < inferences; i++) {
      const t = performance.now()
      await portrait.render(portrait.seedZ)
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    out.inferenceMsMedian = times[Math.floor(times.length / 2)]
    out.inferenceFps = 1000 / out.inferenceMsMedian
    out.canvasWidth = el.querySelector('canvas').width
    out.canvasCssWidth = el.querySelector('canvas').getBoundingClientRect().width
    return out
  }, [Number(seconds), Number(inferences)])
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true })
  console.log(JSON.stringify({ ...result, requests, errors }))
} finally {
  await context.close()
}

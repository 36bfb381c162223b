// Watch the gallery's screen (<gallery>/screen/) in headless Chromium (Debian's, via playwright-core)
// as a wall would show it: no input. stdin: {"url", "profile", "width", "height", "seconds",
// "sample" (seconds between samples), "outageAt"? (seconds: from then on every /rpc and /ipfs/
// request fails, as when the node and the gateway are down), "memory"? (measure the JS heap after a
// forced GC at each sample, through CDP), "screenshot"?: {"path", "at" (seconds)}}.
// stdout: one JSON line {samples: [{t, hash, title, owner, verified, qr, qrShown, qrText (the code
// on show as jsQR decodes it), status, mode,
// frames, heap?}], errors, foreign, cursor, chrome}.
import { chromium } from 'playwright-core'
import { createHash } from 'node:crypto'
import { readQr } from './qr_read.mjs'

let input = ''
for await (const chunk of process.stdin) input += chunk
const job = JSON.parse(input)
const context = await chromium.launchPersistentContext(job.profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required'],
  viewport: { width: job.width, height: job.height },
})
const requests = []
const errors = []
const samples = []
let outage = false
try {
  // Record the page's Wake Lock requests (headless Chromium may refuse them; the page must ask).
  await context.addInitScript(() => {
    window.__wakeLocks = 0
    if (navigator.wakeLock) {
      const request = navigator.wakeLock.request.bind(navigator.wakeLock)
      navigator.wakeLock.request = (type) => { window.__wakeLocks++; return request(type) }
    }
  })
  const page = await context.newPage()
  page.on('request', (r) => requests.push(r.url()))
  page.on('console', (m) => { if (m.type() === 'error' && !outage) errors.push(m.text()) })
  page.on('pageerror', (e) => errors.push(String(e)))
  await page.route(/\/(rpc|ipfs\/)/, (route) => outage ? route.abort('connectionrefused') : route.continue())
  const cdp = job.memory ? await context.newCDPSession(page) : null
  await page.goto(job.url, { waitUntil: 'load' })
  await page.waitForFunction(() => window.provenanceScreen && window.provenanceScreen.frames > 0, null, { timeout: 120000 })
  const started = Date.now()
  let shot = false
  while ((Date.now() - started) / 1000 < job.seconds) {
    const t = (Date.now() - started) / 1000
    if (job.outageAt !== undefined && t >= job.outageAt) outage = true
    if (job.screenshot && !shot && t >= job.screenshot.at) {
      await page.screenshot({ path: job.screenshot.path })
      shot = true
    }
    let sample
    try {
      sample = await page.evaluate(() => {
      const canvas = document.querySelector('[data-testid="screen-canvas"]')
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
      const qr = document.querySelector('[data-testid="screen-qr"]')
      const shown = [...qr.querySelectorAll('.qr-code')].filter((c) => !c.hidden).map((c) => c.dataset.key)
      return {
        pixels: Array.from(data.subarray(0, Math.min(data.length, 4 * 64 * 64))),
        size: [canvas.width, canvas.height],
        title: document.querySelector('[data-testid="screen-title"]').textContent,
        owner: document.querySelector('.screen-owner').textContent,
        verified: document.querySelector('.screen-verified').textContent,
        qr: qr.dataset.url,
        qrShown: shown,
        status: document.querySelector('.screen-status').textContent,
        mode: window.provenanceScreen.mode,
        frames: window.provenanceScreen.frames,
        page: performance.timeOrigin, // a new value after the screen reloads itself
      }
      })
    } catch (err) {
      // The screen reloads itself when the gallery has new works: sample again once it runs.
      await page.waitForFunction(() => window.provenanceScreen && window.provenanceScreen.frames > 0, null, { timeout: 120000 })
      continue
    }
    const previous = samples[samples.length - 1]
    if (previous && previous.qr === sample.qr) {
      sample.qrText = previous.qrText
    } else {
      sample.qrText = await readQr(page, '[data-testid="screen-qr"]').catch(() => null)
    }
    sample.hash = createHash('sha256').update(Buffer.from(sample.pixels)).digest('hex').slice(0, 16)
    delete sample.pixels
    sample.t = Math.round(t * 10) / 10
    if (cdp) {
      await cdp.send('HeapProfiler.collectGarbage')
      const usage = await cdp.send('Runtime.getHeapUsage')
      sample.heap = usage.usedSize
      const dom = await cdp.send('Memory.getDOMCounters').catch(() => null)
      if (dom) sample.dom = dom
    }
    samples.push(sample)
    await page.waitForTimeout(job.sample * 1000)
  }
  const look = await page.evaluate(() => ({
    cursor: getComputedStyle(document.body).cursor,
    wakeLocks: window.__wakeLocks,
    chrome: document.querySelectorAll('header, footer, nav').length,
    overflow: document.documentElement.scrollWidth > window.innerWidth || document.documentElement.scrollHeight > window.innerHeight,
  }))
  const origin = new URL(job.url).origin
  const foreign = requests.filter((r) => !r.startsWith(origin) && !r.startsWith('data:') && !r.startsWith('blob:'))
  const reloads = new Set(samples.map((x) => x.page)).size - 1
  console.log(JSON.stringify({ samples, errors, foreign, reloads, ...look }))
} finally {
  await context.close()
}

// Play a video file in a real headless Chromium (Debian's package) with playwright-core: report
// what the <video> element says once it can play, and whether playback advances.
// usage: node video_check.mjs VIDEO_FILE USER_DATA_DIR
import { writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'

const [video, userDataDir] = process.argv.slice(2)
const page = join(dirname(video), 'video_check.html')
writeFileSync(page, `<!doctype html><video src="${basename(video)}" muted loop playsinline></video>`)
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required'],
})
try {
  const tab = await context.newPage()
  await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' })
  const result = await tab.evaluate(async () => {
    const v = document.querySelector('video')
    const error = () => (v.error ? `${v.error.code} ${v.error.message}` : null)
    const deadline = Date.now() + 15000
    while (v.readyState < 2 && !v.error && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const ready = { readyState: v.readyState, duration: v.duration, width: v.videoWidth,
      height: v.videoHeight, error: error() }
    let start = null
    let after = null
    if (!v.error && v.readyState >= 2) {
      await v.play()
      start = v.currentTime
      await new Promise((resolve) => setTimeout(resolve, 700))
      after = v.currentTime
    }
    return { ...ready, start, after, paused: v.paused, errorAfter: error() }
  })
  console.log(JSON.stringify(result))
} finally {
  await context.close()
}

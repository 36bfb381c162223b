// The work page's live portrait: mounts every [data-live-portrait] element (rendered by
// provenance.gallery.live.live_portrait_html):
//   <figure data-live-portrait data-model-cid="CID" data-model-sha256="HEX" data-seed="N"
//           [data-truncation="T"] [data-gateway="URL"]>
//     <canvas></canvas> <figcaption>... <span data-live-status></span></figcaption>
//   </figure>
// The gateway defaults to <meta name="provenance-gateway">. The element's data-state goes
// verifying -> loading -> running (or still, or error); element.livePortrait is the controller
// (used by the benchmark and the tests).
import { LivePortrait, createSession, fetchVerifiedModel, fitCanvas, toRGBA } from './portrait.js'

async function mount (element) {
  const status = element.querySelector('[data-live-status]')
  const say = (state, text) => {
    element.dataset.state = state
    if (status) status.textContent = text
  }
  try {
    const meta = document.querySelector('meta[name="provenance-gateway"]')
    const gateway = (element.dataset.gateway || (meta ? meta.content : '')).replace(/\/$/, '')
    const seed = element.dataset.seed
    if (!/^[0-9]+$/.test(seed || '')) throw new Error('no seed for the live portrait')
    const truncation = element.dataset.truncation ? Number(element.dataset.truncation) : null
    say('verifying', 'Fetching the model from IPFS and checking its hash…')
    const bytes = await fetchVerifiedModel(gateway, element.dataset.modelCid || '',
      element.dataset.modelSha256 || '')
    say('loading', 'Model verified; starting it…')
    const portrait = new LivePortrait(await createSession(bytes), { seed, truncation })
    element.livePortrait = portrait
    const canvas = element.querySelector('canvas')
    if (matchMedia('(prefers-reduced-motion: reduce)').matches) {
      fitCanvas(canvas, portrait.size)
      const image = canvas.getContext('2d').createImageData(portrait.size, portrait.size)
      toRGBA(await portrait.render(portrait.seedZ), portrait.size, image.data)
      canvas.getContext('2d').putImageData(image, 0, 0)
      say('still', `Seed ${seed}, rendered once (reduced motion).`)
      return
    }
    portrait.start(canvas)
    say('running', `Running in your browser; the walk passes through seed ${seed}.`)
  } catch (err) {
    say('error', `Live portrait unavailable: ${err && err.message ? err.message : err}`)
  }
}

for (const element of document.querySelectorAll('[data-live-portrait]')) mount(element)

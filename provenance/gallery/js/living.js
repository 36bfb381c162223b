// Living works: the still at an integer multiple of its size (pixels stay square and sharp), the
// animation playing muted, looping and inline from the bytes the badge verified, and the copy
// buttons beside shortened addresses. Sizes are set through the CSSOM (allowed by style-src 'self').
import { el } from './page.js'

const ANIMATION_MIMES = ['video/mp4', 'video/webm', 'image/gif']

// The largest integer multiple of the native width that fits the slot (never below 1x; an image
// wider than its slot is scaled down smoothly instead). Pixelated when enlarged.
export function fitPixels (media, nativeWidth) {
  const slot = media.parentElement
  if (!slot || !nativeWidth) return
  const room = slot.clientWidth || nativeWidth
  const scale = Math.floor(room / nativeWidth)
  if (scale >= 1) {
    media.style.width = `${nativeWidth * scale}px`
    media.dataset.scale = String(scale)
  } else {
    media.style.width = '100%'
    media.dataset.scale = 'fit'
  }
  media.classList.toggle('pixelated', scale >= 2)
}

const fitted = new Set()
let resizeTimer = null
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer)
  resizeTimer = setTimeout(() => { for (const [media, w] of fitted) fitPixels(media, w) }, 100)
})

export function showStill (slot, bytes, mime) {
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }))
  const img = el('img', { src: url, alt: slot.dataset.alt || '' })
  for (const dim of ['width', 'height']) if (slot.dataset[dim]) img.setAttribute(dim, slot.dataset[dim])
  img.addEventListener('load', () => {
    fitted.add([img, img.naturalWidth])
    fitPixels(img, img.naturalWidth)
  })
  slot.replaceChildren(img)
}

// The committed animation record (metadata.provenance.animation), or null.
export function animationRecord (metadata) {
  const record = metadata && metadata.provenance && metadata.provenance.animation
  if (!record || typeof record !== 'object') return null
  if (typeof record.cid !== 'string' || !/^[0-9a-f]{64}$/.test(String(record.sha256))) return null
  if (!ANIMATION_MIMES.includes(record.mime) || !Number.isSafeInteger(record.size)) return null
  if (metadata.animation_url !== `ipfs://${record.cid}`) return null
  return record
}

export function showAnimation (slot, bytes, mime) {
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }))
  const still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches
  let media
  if (mime === 'image/gif') {
    media = el('img', { src: url, alt: slot.getAttribute('aria-label') || '' })
  } else {
    media = el('video', { playsinline: '', loop: '', muted: '', preload: 'auto' })
    media.muted = true // the property, not only the attribute, lets autoplay start
    media.loop = true
    if (still) media.setAttribute('controls', '')
    else media.autoplay = true
    media.src = url
    if (slot.getAttribute('aria-label')) media.setAttribute('aria-label', slot.getAttribute('aria-label'))
  }
  media.classList.add('living')
  const onReady = () => {
    const width = media.videoWidth || media.naturalWidth
    fitted.add([media, width])
    fitPixels(media, width)
    if (!still && media.play) media.play().catch(() => media.setAttribute('controls', ''))
  }
  media.addEventListener(mime === 'image/gif' ? 'load' : 'loadedmetadata', onReady)
  slot.replaceChildren(media)
  slot.dataset.state = 'playing'
}

export function setupCopyButtons (root = document) {
  for (const button of root.querySelectorAll('button.copy[data-copy]')) {
    button.hidden = false
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy)
        button.textContent = 'Copied'
      } catch (err) {
        // No clipboard (http on another host): select the full address for a manual copy.
        const code = button.parentElement.querySelector('code')
        if (code) {
          code.textContent = button.dataset.copy
          window.getSelection().selectAllChildren(code)
        }
        button.textContent = 'Selected'
      }
      setTimeout(() => { button.textContent = 'Copy' }, 2000)
    })
  }
}

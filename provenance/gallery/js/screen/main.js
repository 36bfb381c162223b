// The screen (<gallery>/screen/, ?dwell=SECONDS): an ever-changing portrait for a wall, unattended
// for a whole opening day. The collection's generator walks through latent space from work to work
// in the browser; every dwell seconds it settles on a work (it keeps breathing around the work's
// own latent) and the plate shows its title, owner or "open for donation", its verified state and
// a QR code to its page at the gallery's public address. Works without a generator show their
// minted animation, else their still, drawn on the same canvas.
//
// Every work is verified in the browser as a badge verifies it (badge.js) before it is shown, and
// again every few minutes. A failed check that is a network error (RPC or gateway down) keeps the
// last verified state on show and says so quietly; a mismatch takes the work off the wall.
//
// Made to run for hours: one canvas, one ImageData, one latent buffer per model, one <video>; blobs
// and object URLs made once per work and kept; timers and listeners set once. No input is needed:
// the cursor is hidden and a Wake Lock keeps the screen on.
import { Checks, checkOffer, checkWork } from '../badge.js'
import { chainName } from '../chains.js'
import { getAddress } from 'viem'
import { Collection, revertNameOf } from '../contract.js'
import { rpcReader, settings } from '../page.js'
import { qrSvg } from '../qr.js'
import { LivePortrait, createSession, fetchVerifiedModel, slerp, toRGBA } from '../live/portrait.js'
import { seedLatent } from '../live/jax-random.js'

const REVERIFY_MS = 5 * 60 * 1000
const BREATH_SECONDS = 9 // one slow loop around the work's latent while settled
const BREATH = 0.22 // how far from the work's latent the breathing goes (slerp weight)

function dwellSeconds () {
  const value = Number(new URLSearchParams(window.location.search).get('dwell'))
  return Number.isFinite(value) && value > 0 ? Math.min(3600, Math.max(2, value)) : 30
}

function shortAddress (address) {
  return `${address.slice(0, 6)}…${address.slice(-4)}`
}

function isOutage (checks, thrown) {
  // A network error is never a verdict: the last verified state stays on show.
  return thrown || checks.failed.some((c) => /could not be (fetched|read)|did not answer|HTTP 5/.test(c.detail))
}

class Screen {
  constructor (root) {
    this.root = root
    this.config = settings()
    this.entries = JSON.parse(root.dataset.works).map((entry) => ({
      entry, state: 'pending', checkedAt: 0, still: null, animationUrl: null, seedZ: null,
    }))
    this.dwell = dwellSeconds()
    this.canvas = root.querySelector('[data-testid="screen-canvas"]')
    this.context = this.canvas.getContext('2d', { alpha: false })
    this.plate = {
      title: root.querySelector('[data-testid="screen-title"]'),
      owner: root.querySelector('.screen-owner'),
      verified: root.querySelector('.screen-verified'),
      qr: root.querySelector('[data-testid="screen-qr"]'),
      scan: root.querySelector('.screen-scan'),
      status: root.querySelector('.screen-status'),
    }
    this.video = document.createElement('video')
    this.video.muted = true
    this.video.loop = true
    this.video.playsInline = true
    this.video.className = 'screen-video'
    root.querySelector('.screen-art').append(this.video)
    this.models = new Map() // model CID -> { portrait, z, from, to, image } | 'failed' | Promise
    this.current = null // the entry on show
    this.mode = null // 'live' | 'animation' | 'still'
    this.moveStart = 0
    this.frames = 0
    this.outageSince = null
    this.busy = false
  }

  async start () {
    keepAwake()
    await this.verifyAll()
    this.started = true
    this.next()
    setInterval(() => this.next(), this.dwell * 1000)
    setInterval(() => this.verifyAll(), Math.min(REVERIFY_MS, this.dwell * 4000))
    requestAnimationFrame((t) => this.frame(t))
  }

  // ---- verification ---------------------------------------------------------------------
  async verifyAll () {
    if (this.busy) return
    this.busy = true
    try {
      for (const item of this.entries) await this.verify(item)
      if (this.started && !this.outageSince && await this.newerPage()) window.location.reload()
    } finally {
      this.busy = false
    }
    if (this.outageSince && !this.entries.some((i) => i.state === 'stale' || i.state === 'unreachable')) {
      this.outageSince = null
    }
    this.showStatus()
  }

  // After the first full check, the bytes cannot change under their digests: later rounds ask the
  // chain only what can change (the owner, a burn, an offer redeemed or canceled), so a day on the
  // wall does not fetch every image and animation again every few minutes.
  async verify (item) {
    if (item.state === 'gone') return // redeemed, canceled or burned: for good
    if (item.still && item.state !== 'failed') return this.recheck(item)
    return this.fullCheck(item)
  }

  async recheck (item) {
    const { entry } = item
    try {
      const collection = new Collection(rpcReader(this.config.rpcUrl), this.config.contract)
      if (entry.kind === 'offer') {
        const state = await collection.voucherState(entry.verify.offer.voucher)
        item.state = state === 'open' ? 'verified' : 'gone' // redeemed or canceled: off the wall
      } else {
        // A token's record never changes (its id is its image's digest); its owner may. Only the
        // contract's own "no such token" revert means burned: any other failure is an outage.
        try {
          entry.owner = getAddress(await collection.read('ownerOf', [BigInt(entry.verify.tokenId)]))
          item.state = 'verified'
        } catch (err) {
          if (revertNameOf(err) !== 'ERC721NonexistentToken') throw err
          item.state = 'gone' // burned: off the wall
        }
      }
      item.checkedAt = Date.now()
      if (item.state === 'verified') item.verifiedAt = item.checkedAt
    } catch (err) {
      item.state = 'stale'
      this.outageSince = this.outageSince || Date.now()
    }
  }

  // New works (a donation, a mint) are in a newer rendering of this page: reload to show them.
  async newerPage () {
    try {
      const res = await fetch(window.location.href, { cache: 'no-store' })
      if (!res.ok) return false
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html')
      const root = doc.querySelector('[data-screen]')
      const keys = (json) => JSON.parse(json).map((e) => e.key).join()
      return Boolean(root) && keys(root.dataset.works) !== keys(this.root.dataset.works)
    } catch (err) {
      return false
    }
  }

  async fullCheck (item) {
    const checks = new Checks()
    let content = null
    let thrown = false
    try {
      const data = item.entry.verify
      content = data.offer ? await checkOffer(data, this.config, checks) : await checkWork(data, this.config, checks)
    } catch (err) {
      thrown = true
    }
    item.checkedAt = Date.now()
    if (content && checks.failed.length === 0) {
      item.state = 'verified'
      item.verifiedAt = item.checkedAt
      if (!item.still) { // the same bytes every time: kept once, never re-made
        item.still = await createImageBitmap(new Blob([content.imageBytes], { type: content.imageMime }))
      }
      if (content.animation && !item.animationUrl) {
        item.animationUrl = URL.createObjectURL(new Blob([content.animation], { type: content.animationMime }))
      }
    } else if (isOutage(checks, thrown)) {
      // Could not check: keep what was verified before (if anything) and say so quietly.
      item.state = item.still ? 'stale' : 'unreachable'
      this.outageSince = this.outageSince || Date.now()
    } else {
      item.state = 'failed'
    }
  }

  showStatus () {
    const stale = this.entries.some((i) => i.state === 'stale' || i.state === 'unreachable')
    if (stale) {
      const since = new Date(this.outageSince || Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
      this.plate.status.textContent = `Could not reach the chain or IPFS since ${since}: showing the works as last verified.`
    } else {
      this.plate.status.textContent = ''
    }
    if (this.current) this.showPlate(this.current)
  }

  // ---- which work -----------------------------------------------------------------------
  onShow () {
    return this.entries.filter((i) => i.state === 'verified' || i.state === 'stale')
  }

  next () {
    const shown = this.onShow()
    if (shown.length === 0) {
      this.plate.title.textContent = this.entries.length ? 'Checking the works…' : 'No works yet'
      this.plate.verified.textContent = ''
      return
    }
    const at = this.current ? shown.indexOf(this.current) : -1
    const item = shown[(at + 1) % shown.length]
    this.settleOn(item)
  }

  settleOn (item) {
    const previous = this.current
    this.current = item
    this.showPlate(item)
    const live = item.entry.live
    const model = live && this.models.get(live.cid)
    if (model && typeof model === 'object' && model.portrait) {
      item.seedZ = item.seedZ || seedLatent(live.seed, model.portrait.zDim, live.truncation)
      // Walk from wherever the generator is now to this work.
      model.from.set(this.mode === 'live' && previous && previous.entry.live && previous.entry.live.cid === live.cid ? model.z : item.seedZ)
      model.to = item.seedZ
      this.active = model
      this.moveStart = performance.now()
      this.setMode('live')
      return
    }
    if (live && !model) this.loadModel(live.cid, live.sha256) // next time round, the generator
    if (item.animationUrl) {
      if (this.video.src !== item.animationUrl) this.video.src = item.animationUrl
      this.video.play().catch(() => {})
      this.setMode('animation')
      return
    }
    this.setMode('still')
    this.drawStill(item.still)
  }

  setMode (mode) {
    if (mode !== 'animation') this.video.pause()
    this.mode = mode
    this.root.dataset.mode = mode
  }

  showPlate (item) {
    const { entry } = item
    this.plate.title.textContent = entry.title
    this.plate.owner.textContent = entry.kind === 'offer'
      ? 'Open for donation'
      : `Owned by ${shortAddress(entry.owner)}`
    const stale = item.state === 'stale'
    this.plate.verified.dataset.state = stale ? 'stale' : 'ok'
    this.plate.verified.textContent = stale
      ? `Verified on ${chainName(this.config.chainId)} at ${new Date(item.verifiedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
      : `✓ Verified on ${chainName(this.config.chainId)}`
    const shown = this.plate.qr.querySelector('.qr-code')
    if (!shown || shown.dataset.key !== entry.key || this.plate.qr.dataset.url !== entry.url) {
      const holder = document.createElement('div')
      holder.className = 'qr-code'
      holder.dataset.key = entry.key
      if (entry.url) holder.append(qrSvg(entry.url))
      this.plate.qr.replaceChildren(holder)
    }
    this.plate.qr.dataset.url = entry.url
    this.plate.scan.hidden = !entry.url
  }

  // ---- the generator --------------------------------------------------------------------
  async loadModel (cid, sha256) {
    if (this.models.has(cid)) return
    this.models.set(cid, 'loading')
    try {
      const bytes = await fetchVerifiedModel(this.config.gateway, cid, sha256)
      const portrait = new LivePortrait(await createSession(bytes), { seed: '0' })
      const n = portrait.zDim
      this.models.set(cid, {
        portrait,
        z: new Float32Array(n),
        from: new Float32Array(n),
        to: null,
        a: seedLatent(1, n),
        b: seedLatent(2, n),
        image: new ImageData(portrait.size, portrait.size),
        running: false,
      })
    } catch (err) {
      this.models.delete(cid) // a gateway outage: tried again on a later turn
    }
  }

  async frame (now) {
    requestAnimationFrame((t) => this.frame(t))
    if (this.mode === 'live' && this.active && !this.active.running) {
      const model = this.active
      model.running = true
      try {
        this.latentAt(model, now)
        const out = await model.portrait.render(model.z)
        toRGBA(out, model.portrait.size, model.image.data)
        this.fit(model.portrait.size, model.portrait.size)
        this.context.putImageData(model.image, 0, 0)
        this.frames++
      } catch (err) {
        this.setMode(this.current && this.current.animationUrl ? 'animation' : 'still')
        if (this.mode === 'still' && this.current) this.drawStill(this.current.still)
      } finally {
        model.running = false
      }
    } else if (this.mode === 'animation' && this.video.readyState >= 2) {
      this.fit(this.video.videoWidth, this.video.videoHeight)
      this.context.drawImage(this.video, 0, 0)
      this.frames++
    }
  }

  // The walk to the work (the first third of the dwell, eased), then a slow breath around it.
  latentAt (model, now) {
    const seconds = (now - this.moveStart) / 1000
    const walk = Math.min(6, this.dwell / 3)
    if (seconds < walk) {
      const t = seconds / walk
      slerp(model.from, model.to, t * t * (3 - 2 * t), model.z)
      return
    }
    const phase = ((seconds - walk) / BREATH_SECONDS) * 2 * Math.PI
    const rise = Math.min(1, (seconds - walk) / 2) // ease into the breath
    const z = model.z
    const c = Math.cos(phase) * BREATH * rise
    const s = Math.sin(phase) * BREATH * rise
    for (let i = 0; i < z.length; i++) z[i] = model.to[i] + c * (model.a[i] - model.to[i]) * 0.5 + s * (model.b[i] - model.to[i]) * 0.5
  }

  fit (width, height) {
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width
      this.canvas.height = height
    }
  }

  drawStill (bitmap) {
    if (!bitmap) return
    this.fit(bitmap.width, bitmap.height)
    this.context.drawImage(bitmap, 0, 0)
    this.frames++
  }

  get fps () {
    return this.frames
  }
}

let wakeLock = null
function keepAwake () {
  const request = async () => {
    if (!navigator.wakeLock || document.visibilityState !== 'visible' || wakeLock) return
    try {
      wakeLock = await navigator.wakeLock.request('screen')
      wakeLock.addEventListener('release', () => { wakeLock = null }, { once: true })
    } catch (err) { /* refused (battery saver, no user activation): the screen's own settings rule */ }
  }
  document.addEventListener('visibilitychange', request)
  request()
}

function begin () {
  const root = document.querySelector('[data-screen]')
  if (!root) return
  const screen = new Screen(root)
  window.provenanceScreen = screen // the tests and the benchmark read frames and modes
  // Models load first, so that the first work is already walked to by the generator.
  const cids = new Map()
  for (const item of screen.entries) if (item.entry.live) cids.set(item.entry.live.cid, item.entry.live.sha256)
  Promise.all([...cids].map(([cid, sha]) => screen.loadModel(cid, sha))).then(() => screen.start())
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', begin)
else begin()

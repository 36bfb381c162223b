// Live portrait: the collection's generator, exported to ONNX, running in the visitor's browser
// (onnxruntime-web, WebAssembly) and walking its latent space continuously through the work's own
// seed. The model is fetched from IPFS by its CID and hashed (SHA-256) before a single byte of it
// is run. This is a live rendering: floating-point differences from JAX can flip a pixel by one
// level, so the minted PNG stays the record.
//
// This module is the generator's side (model, latents, pixels); entry.js mounts it on a work page
// and the screen (../screen/) walks it from work to work. onnxruntime-web's JavaScript is bundled
// in by esbuild (scripts/build-gallery-js); its WebAssembly binary is served from static/ort/,
// copied there at build time, never from a CDN.
//
// The seed's latent is JAX's own draw, reproduced in ./jax-random.js (no latent travels in the page).

import * as ort from 'onnxruntime-web/wasm'
import { seedLatent } from './jax-random.js'

const f32 = Math.fround

// ---- latent walk --------------------------------------------------------------------------

function norm (a) { let s = 0; for (const v of a) s += v * v; return Math.sqrt(s) }

/** Spherical interpolation, as gan.animate.slerp; into `out` when given (no allocation). */
export function slerp (a, b, t, out = new Float32Array(a.length)) {
  const na = norm(a)
  const nb = norm(b)
  let dot = 0
  for (let i = 0; i < a.length; i++) dot += (a[i] / na) * (b[i] / nb)
  const omega = Math.acos(Math.min(1, Math.max(-1, dot)))
  const so = Math.sin(omega)
  for (let i = 0; i < a.length; i++) {
    out[i] = so < 1e-6
      ? (1 - t) * a[i] + t * b[i]
      : (Math.sin((1 - t) * omega) / so) * a[i] + (Math.sin(t * omega) / so) * b[i]
  }
  return out
}

function randomSeed () { return crypto.getRandomValues(new Uint32Array(1))[0] }

// ---- model --------------------------------------------------------------------------------

function toHex (buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('')
}

export async function fetchVerifiedModel (gateway, cid, sha256) {
  if (!/^[a-zA-Z0-9]+$/.test(cid)) throw new Error('bad model CID')
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('bad model sha256')
  const res = await fetch(`${gateway}/ipfs/${cid}`, { cache: 'force-cache' })
  if (!res.ok) throw new Error(`gateway answered ${res.status} for the model`)
  const bytes = new Uint8Array(await res.arrayBuffer())
  const digest = toHex(await crypto.subtle.digest('SHA-256', bytes))
  if (digest !== sha256) throw new Error('the model from IPFS does not match its recorded sha256')
  return bytes
}

/** NHWC float32 in [-1, 1] -> RGBA bytes, with gan.sample.to_uint8's rounding. */
export function toRGBA (data, size, rgba = new Uint8ClampedArray(size * size * 4)) {
  for (let p = 0, q = 0; p < size * size; p++, q += 3) {
    for (let c = 0; c < 3; c++) {
      const v = f32(f32(data[q + c] + 1) * 127.5)
      let r = Math.round(v) // round half to even, as numpy's rint
      if (r - v === 0.5 && r % 2 !== 0) r -= 1
      rgba[p * 4 + c] = r
    }
    rgba[p * 4 + 3] = 255
  }
  return rgba
}

export class LivePortrait {
  constructor (session, { seed, truncation = null }) {
    this.session = session
    this.inputName = session.inputNames[0]
    this.outputName = session.outputNames[0]
    const inMeta = session.inputMetadata?.[0]
    const outMeta = session.outputMetadata?.[0]
    this.zDim = Number(inMeta?.shape?.[1])
    this.size = Number(outMeta?.shape?.[1])
    if (!(this.zDim > 0) || !(this.size > 0)) throw new Error('the model has an unexpected shape')
    this.seed = seed
    this.truncation = truncation
    this.seedZ = seedLatent(seed, this.zDim, truncation)
    this.threads = threadCount()
    this.frames = 0
    this.running = false
  }

  async render (z) {
    const input = new ort.Tensor('float32', z, [1, this.zDim])
    const out = await this.session.run({ [this.inputName]: input })
    return out[this.outputName].data
  }

  /** The work's own seed, rendered once: RGB bytes (for the comparison with the minted PNG). */
  async renderSeed () {
    const rgba = toRGBA(await this.render(this.seedZ), this.size)
    const rgb = new Uint8Array(this.size * this.size * 3)
    for (let p = 0; p < this.size * this.size; p++) rgb.set(rgba.subarray(p * 4, p * 4 + 3), p * 3)
    return rgb
  }

  /** Walk: seed -> random seed -> random seed -> seed -> ..., one leg per `legSeconds`. */
  start (canvas, { legSeconds = 4 } = {}) {
    fitCanvas(canvas, this.size)
    const context = canvas.getContext('2d')
    const image = context.createImageData(this.size, this.size)
    const legs = [this.seedZ, seedLatent(randomSeed(), this.zDim, this.truncation),
      seedLatent(randomSeed(), this.zDim, this.truncation)]
    let leg = 0
    let legStart = performance.now()
    this.running = true
    this.startedAt = performance.now()
    this.frames = 0
    const step = async () => {
      if (!this.running) return
      let t = (performance.now() - legStart) / (legSeconds * 1000)
      while (t >= 1) {
        leg = (leg + 1) % legs.length
        legStart += legSeconds * 1000
        t -= 1
        if (leg === 1) legs[2] = seedLatent(randomSeed(), this.zDim, this.truncation)
        if (leg === 2) legs[1] = seedLatent(randomSeed(), this.zDim, this.truncation)
      }
      const z = slerp(legs[leg], legs[(leg + 1) % legs.length], t)
      toRGBA(await this.render(z), this.size, image.data)
      context.putImageData(image, 0, 0)
      this.frames++
      requestAnimationFrame(step)
    }
    requestAnimationFrame(step)
  }

  stop () { this.running = false }

  get fps () {
    const seconds = (performance.now() - this.startedAt) / 1000
    return seconds > 0 ? this.frames / seconds : 0
  }
}

/** Native-size canvas shown at the largest integer multiple of its size that fits its container
 * (at most 512 px), pixels kept square and sharp: never blurred or blocked at an odd scale. */
export function fitCanvas (canvas, size) {
  canvas.width = size
  canvas.height = size
  // On a work page's stage the stylesheet sizes it, with the artist's rendering (smooth or
  // pixel-sharp): no integer fitting here.
  if (canvas.closest('.stage')) return
  const fit = () => {
    const room = Math.min(512, (canvas.parentElement || canvas).clientWidth || size)
    const scale = Math.max(1, Math.floor(room / size))
    canvas.style.width = `${scale * size}px`
    canvas.style.height = `${scale * size}px`
    canvas.style.imageRendering = 'pixelated'
  }
  fit()
  if (!canvas.dataset.fitted) {
    canvas.dataset.fitted = '1'
    addEventListener('resize', fit)
  }
}

/** WebAssembly threads need SharedArrayBuffer, so a cross-origin isolated page; else one. */
export function threadCount () {
  return self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1
}

export async function createSession (modelBytes) {
  ort.env.wasm.numThreads = threadCount()
  // The bundles live in static/, the binary in static/ort/. Naming only the .wasm keeps the
  // JavaScript glue bundled into this file in use (a prefix would fetch ort's .mjs glue too).
  ort.env.wasm.wasmPaths = { wasm: new URL('./ort/ort-wasm-simd-threaded.wasm', import.meta.url).href }
  return ort.InferenceSession.create(modelBytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  })
}

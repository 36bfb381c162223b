// JAX's PRNG in the browser: the latent of a seed exactly as gan.sample.latent draws it.
//
// jax.random.key(seed) is the threefry2x32 key (seed >> 32, seed & 0xffffffff); normal(key, (n,))
// hashes the counters (0, i) with threefry and XORs the two output words (jax_threefry_partitionable,
// JAX's default), turns the top 23 bits into a float32 uniform in [nextafter(-1, 0), 1) and
// returns sqrt(2) * erfinv(u), erfinv being XLA's single-precision polynomial (M. Giles,
// "Approximating the erfinv function"). Truncated draws map u into [erf(lo / sqrt 2),
// erf(hi / sqrt 2)] first, then clip, as jax.random.truncated_normal does. Checked against JAX by
// tests/gallery/test_live_portrait.py: most components are bit-identical, the rest differ in the
// last bit (XLA's own float32 log1p is not correctly rounded).

const f32 = Math.fround

function rotl (v, r) { return ((v << r) | (v >>> (32 - r))) >>> 0 }

export function threefry2x32 (k0, k1, x0, x1) {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1BD11BDA) >>> 0]
  const rotations = [[13, 15, 26, 6], [17, 29, 16, 24]]
  let a = (x0 + ks[0]) >>> 0
  let b = (x1 + ks[1]) >>> 0
  for (let i = 0; i < 5; i++) {
    for (const r of rotations[i % 2]) {
      a = (a + b) >>> 0
      b = rotl(b, r)
      b = (a ^ b) >>> 0
    }
    a = (a + ks[(i + 1) % 3]) >>> 0
    b = (b + ks[(i + 2) % 3] + i + 1) >>> 0
  }
  return [a, b]
}

function seedKey (seed) {
  const s = BigInt(seed)
  if (s < 0n || s >= 1n << 64n) throw new Error(`seed out of range: ${seed}`)
  return [Number(s >> 32n), Number(s & 0xffffffffn)]
}

function randomBits32 (key, n) {
  const out = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const [a, b] = threefry2x32(key[0], key[1], 0, i)
    out[i] = (a ^ b) >>> 0
  }
  return out
}

const bitsView = new DataView(new ArrayBuffer(4))
function bitsToUnit (bits) { // [0, 1) from the top 23 bits, as jax.random.uniform does
  bitsView.setUint32(0, ((bits >>> 9) | 0x3f800000) >>> 0)
  return f32(bitsView.getFloat32(0) - 1)
}

const ERFINV_SMALL = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]
const ERFINV_LARGE = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
  0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]

export function erfinv32 (x) {
  if (Math.abs(x) === 1) return x * Infinity
  // XLA computes w = -log1p(-x * x) and the polynomial with fused multiply-adds; so do we (a
  // double product of two float32 values is exact, one rounding to float32 after the add).
  let w = f32(-Math.log1p(-f32(x * x)))
  const small = w < 5
  w = small ? f32(w - 2.5) : f32(f32(Math.sqrt(w)) - 3)
  const c = small ? ERFINV_SMALL : ERFINV_LARGE
  let p = f32(c[0])
  for (let i = 1; i < c.length; i++) p = f32(f32(c[i]) + p * w)
  return f32(p * x)
}

function erf64 (x) { // double-precision erf: Taylor series near 0, continued fraction beyond
  const ax = Math.abs(x)
  if (ax < 3) {
    let term = ax
    let sum = ax
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= -ax * ax / n
      sum += term / (2 * n + 1)
    }
    return Math.sign(x) * 2 / Math.sqrt(Math.PI) * sum
  }
  let f = 0 // erfc(x) = exp(-x^2) / sqrt(pi) * 1 / (x + 1/2 / (x + 1 / (x + 3/2 / (x + ...))))
  for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f)
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f))
}

/** The latent of `seed` exactly as gan.sample.latent draws it (Float32Array of zDim). */
export function seedLatent (seed, zDim, truncation = null) {
  const bits = randomBits32(seedKey(seed), zDim)
  const sqrt2 = f32(Math.SQRT2)
  let lo = f32(-0.99999994) // nextafter(-1, 0) in float32
  let hi = 1
  if (truncation !== null && truncation !== undefined) {
    const t = f32(truncation)
    lo = f32(erf64(f32(f32(-t) / sqrt2)))
    hi = f32(erf64(f32(t / sqrt2)))
  }
  const range = f32(hi - lo)
  const z = new Float32Array(zDim)
  for (let i = 0; i < zDim; i++) {
    const u = Math.max(lo, f32(f32(bitsToUnit(bits[i]) * range) + lo))
    z[i] = f32(sqrt2 * erfinv32(u))
  }
  if (truncation !== null && truncation !== undefined) {
    const t = f32(truncation)
    const below = nextToward(-t, Infinity)
    const above = nextToward(t, -Infinity)
    for (let i = 0; i < zDim; i++) z[i] = Math.min(above, Math.max(below, z[i]))
  }
  return z
}

function nextToward (x, direction) { // float32 nextafter
  const v = new Float32Array([x])
  const u = new Uint32Array(v.buffer)
  if (x === 0) { u[0] = 1; return direction > 0 ? v[0] : -v[0] }
  u[0] += (x < direction) === (x > 0) ? 1 : -1
  return v[0]
}


// What every gallery script shares: the page's settings (meta tags the gallery wrote), a JSON-RPC
// reader, the IPFS gateway, SHA-256 and the raw-block CID the contract derives its tokenURI from.
import { bytesToHex } from 'viem'

export function setting (name) {
  const meta = document.querySelector(`meta[name="provenance-${name}"]`)
  return meta ? meta.content : ''
}

export function settings () {
  const rpc = setting('rpc')
  const walletRpc = setting('wallet-rpc')
  return {
    walletRpcUrl: walletRpc ? new URL(walletRpc, document.baseURI).href : '',
    chainId: Number(setting('chain-id')),
    contract: setting('contract'),
    fromBlock: BigInt(setting('from-block') || '0'), // the collection's deployment: no event before it
    gateway: setting('gateway').replace(/\/$/, ''),
    rpcUrl: rpc ? new URL(rpc, document.baseURI).href : '',
  }
}

let ids = 0
export function rpcReader (url) {
  return async (method, params = []) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++ids, method, params }),
      cache: 'no-store',
    })
    if (!res.ok) throw new Error(`the chain reader answered HTTP ${res.status}`)
    const body = await res.json()
    if (body.error) {
      const err = new Error(String(body.error.message || 'RPC error'))
      err.data = body.error.data
      throw err
    }
    return body.result
  }
}

// A JSON-RPC batch: one POST for many reads; each answer in the order of the calls, an error
// object for a call the reader did not answer. Throws when the reader is down (no answer, HTTP 429
// or 5xx). Public nodes cap batches (some at 10 calls, some refuse them): a batch refused as a
// whole (one error object, HTTP 400 or 413), answered in part, or whose calls are refused for the
// batch's size is sent again in halves, down to single calls, and the size that worked is kept
// for the page's next batches (the toolkit's request_many does the same).
const batchLimits = new Map()
const SEND_AGAIN = Symbol('send again')

export function rpcBatch (url) {
  const post = async (body) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
    })
    if (Array.isArray(body) && (res.status === 400 || res.status === 413)) return null
    if (!res.ok) throw new Error(`the chain reader answered HTTP ${res.status}`)
    return res.json()
  }
  const one = async (c) => {
    const answer = await post({ jsonrpc: '2.0', id: ++ids, method: c.method, params: c.params || [] })
    return answer && typeof answer === 'object' ? answer : { error: { message: 'the chain reader did not answer' } }
  }
  const batch = async (calls) => {
    const first = ids + 1
    ids += calls.length
    const answers = await post(calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params || [] })))
    if (!Array.isArray(answers)) return null
    const byId = new Map(answers.filter((a) => a && typeof a === 'object').map((a) => [a.id, a]))
    if (!calls.some((c, i) => byId.has(first + i))) return null
    return calls.map((c, i) => {
      const answer = byId.get(first + i)
      const refused = answer && answer.error && /batch/i.test(String(answer.error.message || ''))
      return !answer || refused ? SEND_AGAIN : answer
    })
  }
  const send = async (calls) => {
    if (calls.length === 0) return []
    const limit = batchLimits.get(url)
    if (limit && calls.length > limit) {
      const parts = []
      for (let i = 0; i < calls.length; i += limit) parts.push(send(calls.slice(i, i + limit)))
      return (await Promise.all(parts)).flat()
    }
    if (calls.length === 1) return [await one(calls[0])]
    let answers = await batch(calls)
    if (answers === null) {
      const half = Math.ceil(calls.length / 2)
      batchLimits.set(url, Math.min(limit || half, half))
      return [...await send(calls.slice(0, half)), ...await send(calls.slice(half))]
    }
    const again = calls.filter((c, i) => answers[i] === SEND_AGAIN)
    if (again.length > 0) {
      const took = calls.length - again.length || Math.ceil(calls.length / 2)
      batchLimits.set(url, Math.min(limit || took, took))
      const redone = (await send(again))[Symbol.iterator]()
      answers = answers.map((a) => (a === SEND_AGAIN ? redone.next().value : a))
    }
    return answers
  }
  return send
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567'
function base32 (bytes) {
  let bits = 0; let value = 0; let out = ''
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff
    bits += 8
    while (bits >= 5) { out += B32[(value >>> (bits - 5)) & 31]; bits -= 5 }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31]
  return out
}

// CIDv1, raw codec, sha2-256 of a 0x-hex digest.
export function rawCid (digestHex) {
  const hex = digestHex.replace(/^0x/, '')
  const bytes = new Uint8Array(36)
  bytes.set([0x01, 0x55, 0x12, 0x20])
  for (let i = 0; i < 32; i++) bytes[4 + i] = parseInt(hex.substr(i * 2, 2), 16)
  return 'b' + base32(bytes)
}

// The sha2-256 digest a bafkrei... (CIDv1 raw) CID names, or null for any other CID.
export function rawCidDigest (cid) {
  if (!/^bafkrei[a-z2-7]{52}$/.test(cid)) return null
  const out = []
  let bits = 0; let value = 0
  for (const c of cid.slice(1)) {
    value = (value << 5) | B32.indexOf(c)
    bits += 5
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8 }
  }
  return bytesToHex(Uint8Array.from(out.slice(4, 36)))
}

export async function sha256 (bytes) {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
}

export async function fetchIpfs (gateway, cid, { raw = false, maxBytes = 64 * 1024 * 1024 } = {}) {
  const url = `${gateway}/ipfs/${cid}${raw ? '?format=raw' : ''}`
  const res = await fetch(url, { cache: 'no-store', headers: raw ? { Accept: 'application/vnd.ipld.raw' } : {} })
  if (!res.ok) throw new Error(`the gateway answered ${res.status} for ${cid}`)
  const bytes = new Uint8Array(await res.arrayBuffer())
  if (bytes.length > maxBytes) throw new Error(`${cid} is larger than ${maxBytes} bytes`)
  return bytes
}

export function el (tag, attrs = {}, text) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
  if (text !== undefined) node.textContent = text
  return node
}

// The verification badge: the browser asks the chain itself (record, tokenURI, owner, mint event)
// and fetches the content once, hashes it, and shows exactly those bytes (a blob URL): a gateway
// that answers a second request differently has nothing to swap. What the page embeds is only a
// hint for display. Every value from a token is set as text, never as markup.
// Three outcomes, as `provenance verify` has (data-state): authentic, not-authentic (what differs),
// unknown (a fetch failed: "Could not check right now", with a retry). An outage is never a verdict.
import { Collection, revertNameOf, tokenHex } from './contract.js'
import { plain } from './wallet.js'
import { el, fetchIpfs, rawCid, rawCidDigest, settings, rpcReader, sha256 } from './page.js'
import { animationRecord, showAnimation, showStill } from './living.js'
import { offerSignerProblem } from './offer.js'
import { chainName } from './chains.js'

const MAX_METADATA = 256 * 1024
// Named by the collection's chain (chains.js): 'Sepolia', 'chain 1337'.
export const authentic = (config) => `Authentic: this is the image recorded on ${chainName(config.chainId)} for this work`

export class Checks {
  constructor () { this.items = [] }
  pass (name, detail) { this.items.push({ name, ok: true, detail }) }
  fail (name, detail) { this.items.push({ name, ok: false, detail }); return false }
  // Could not be made (the gateway or the chain did not answer): no verdict either way.
  unknown (name, detail) { this.items.push({ name, ok: null, detail }); return false }
  get failed () { return this.items.filter((c) => c.ok === false) }
  get unknowns () { return this.items.filter((c) => c.ok === null) }
}

// Fetch and check metadata + image against the expected digests; returns the verified content.
export async function checkContent (gateway, expected, checks) {
  const metadataCid = rawCid(expected.metadataDigest)
  let metadataBytes
  try {
    metadataBytes = await fetchIpfs(gateway, metadataCid, { raw: true, maxBytes: MAX_METADATA })
  } catch (err) {
    return checks.unknown('metadata', `the metadata could not be fetched (${err.message})`) && null
  }
  if (await sha256(metadataBytes) !== expected.metadataDigest) {
    return checks.fail('metadata', 'the metadata differs from the one recorded on the chain') && null
  }
  checks.pass('metadata', `${metadataCid} hashes to ${expected.metadataDigest}`)
  let metadata
  try {
    metadata = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(metadataBytes))
  } catch (err) {
    return checks.fail('metadata', 'the recorded metadata is not JSON') && null
  }
  const prov = (metadata && metadata.provenance) || {}
  const image = prov.image || {}
  const imageCid = String(image.cid || '')
  if (metadata.image !== `ipfs://${imageCid}` || `0x${image.sha256}` !== expected.imageDigest) {
    return checks.fail('image', 'the metadata names another image than the one recorded on the chain') && null
  }
  let imageBytes
  try {
    imageBytes = await fetchIpfs(gateway, imageCid)
  } catch (err) {
    return checks.unknown('image', `the image could not be fetched (${err.message})`) && null
  }
  const digest = await sha256(imageBytes)
  if (digest !== expected.imageDigest) {
    return checks.fail('image', 'the image bytes differ from the image recorded on the chain (sha256 ' + digest + ')') && null
  }
  checks.pass('image', `${imageBytes.length} bytes hash to ${expected.imageDigest}`)
  const mime = /^image\/(png|jpeg|gif|webp)$/.test(String(image.mime)) ? String(image.mime) : 'application/octet-stream'
  const content = { metadata, imageBytes, imageMime: mime, animation: null, animationMime: 'video/mp4' }
  const record = animationRecord(metadata)
  if (record) {
    // Committed in the verified metadata: the whole file (any number of blocks) must hash to it.
    try {
      const bytes = await fetchIpfs(gateway, record.cid, { maxBytes: record.size })
      if (bytes.length === record.size && await sha256(bytes) === `0x${record.sha256}`) {
        content.animation = bytes
        content.animationMime = record.mime
        checks.pass('animation', `${bytes.length} bytes hash to the recorded ${record.sha256}`)
      } else {
        checks.fail('animation', 'the animation bytes differ from the ones the metadata records')
      }
    } catch (err) {
      checks.unknown('animation', `the animation could not be fetched (${err.message})`)
    }
    return content
  }
  const animation = typeof metadata.animation_url === 'string' ? metadata.animation_url.replace(/^ipfs:\/\//, '') : ''
  const animationDigest = animation ? rawCidDigest(animation) : null
  if (animationDigest) {
    try {
      const bytes = await fetchIpfs(gateway, animation, { raw: true })
      if (await sha256(bytes) === animationDigest) {
        content.animation = bytes
        checks.pass('animation', `${animation} hashes to its CID`)
      } else {
        checks.fail('animation', 'the animation bytes differ from its CID')
      }
    } catch (err) {
      checks.unknown('animation', `the animation could not be fetched (${err.message})`)
    }
  }
  return content
}

export async function checkWork (data, config, checks) {
  const read = rpcReader(config.rpcUrl)
  let chainId
  try {
    chainId = Number(BigInt(await read('eth_chainId')))
  } catch (err) {
    return checks.unknown('chain', `the chain could not be read (${plain(err)})`) && null
  }
  if (chainId !== config.chainId) {
    checks.fail('chain', `the chain reader is on chain ${chainId}, not ${config.chainId}`)
    return null
  }
  const collection = new Collection(read, config.contract)
  const tokenId = BigInt(data.tokenId)
  let record = null
  try {
    record = await collection.record(tokenId) // reverts UnknownToken for an id never minted
  } catch (err) {
    if (!revertNameOf(err)) throw err // the chain did not answer: no verdict (run says unknown)
  }
  if (!record || /^0x0+$/.test(record.metadataDigest)) {
    checks.fail('record', `token ${tokenHex(tokenId).slice(2, 10)} has no record on ${chainName(config.chainId)}`)
    return null
  }
  checks.pass('record', `recorded metadata ${record.metadataDigest}, image ${record.imageDigest}`)
  const owner = await collection.owner(tokenId)
  if (owner) {
    const uri = await collection.tokenURI(tokenId)
    if (uri !== `ipfs://${rawCid(record.metadataDigest)}`) {
      checks.fail('token URI', 'the token URI does not name the recorded metadata')
      return null
    }
    checks.pass('owner', `owned by ${owner}; token URI ${uri}`)
  }
  // A page built before the token existed (token.html) knows no block: the chain is searched.
  const block = data.mintedBlock ?? await collection.mintedBlock(tokenId, { floor: config.fromBlock })
  if (block !== null && block !== undefined) {
    const event = await collection.mintedEvent(tokenId, block)
    // The event's tokenId topic is the image digest, matched by mintedEvent.
    if (!event || event.metadataDigest !== record.metadataDigest) {
      checks.fail('mint event', 'no mint event with these digests in the block the page names')
      return null
    }
    checks.pass('mint event', `minted to ${event.to} in block ${event.blockNumber}, tx ${event.transactionHash}`)
  }
  return checkContent(config.gateway, record, checks)
}

export async function checkOffer (data, config, checks) {
  const offer = data.offer
  const collection = new Collection(rpcReader(config.rpcUrl), config.contract)
  const problem = await offerSignerProblem(collection, offer)
  if (problem) return checks.fail('signature', problem) && null
  checks.pass('signature', `signed by ${offer.voucher.signer}, a minter of this collection`)
  // A redeemed offer's page (its QR code) leads to the token it became: the token id is the
  // image digest the artist signed.
  if (await collection.voucherState(offer.voucher) === 'redeemed') redeemed(tokenHex(BigInt(offer.voucher.imageDigest)))
  return checkContent(config.gateway, offer.voucher, checks)
}

function redeemed (hex) {
  const notice = document.querySelector('[data-testid="offer-redeemed"]')
  if (!notice) return
  const root = notice.dataset.root || '../'
  notice.replaceChildren(
    document.createTextNode(`This work found its donor: it is token ${hex.slice(2, 10)}. `),
    el('a', { href: `${root}token.html?id=${hex}` }, 'See the token'))
  notice.hidden = false // the form stays: a donation now is refused with one sentence
}

const ICONS = { authentic: '✓', 'not-authentic': '✗', unknown: '?', pending: '…' }
const MARKS = { true: '✓', false: '✗', null: '?' }

export function show (badge, state, text, checks) {
  badge.dataset.state = state
  badge.querySelector('.badge-icon').textContent = ICONS[state]
  badge.querySelector('.badge-text').textContent = text
  const retry = badge.querySelector('.recheck')
  if (retry) retry.hidden = state !== 'unknown'
  const details = badge.querySelector('.badge-details')
  if (details && checks) {
    const list = details.querySelector('ul')
    list.replaceChildren(...checks.items.map((c) => el('li', { 'data-ok': String(c.ok) }, `${MARKS[c.ok]} ${c.name}: ${c.detail}`)))
    details.hidden = false
  }
}

export function display (figure, content, scope) {
  const slot = figure && figure.querySelector('.artwork-slot')
  if (!slot) return
  showStill(slot, content.imageBytes, content.imageMime)
  const animationSlot = scope && scope.querySelector('.animation-slot')
  if (animationSlot && content.animation) showAnimation(animationSlot, content.animation, content.animationMime)
}

export const verified = new Map()

export async function run (badge, config) {
  const data = JSON.parse(badge.dataset.verify)
  const checks = new Checks()
  show(badge, 'pending', `Checking against ${chainName(config.chainId)}…`)
  let content = null
  try {
    content = data.offer ? await checkOffer(data, config, checks) : await checkWork(data, config, checks)
  } catch (err) {
    checks.unknown('chain', `the chain could not be read (${plain(err)})`)
  }
  const article = badge.closest('article')
  const figure = article && article.querySelector('figure.artwork, .card-image')
  const what = data.offer ? 'Authentic: this is the image the artist signed for this offer' : authentic(config)
  return settle(badge, figure, checks, content, what)
}

// A check's outcome on its badge and figure: the image shown only when every check passed, red
// only for a check that failed, "could not check" when any check could not be made.
export function settle (badge, figure, checks, content, authenticText) {
  const slot = figure && figure.querySelector('.artwork-slot')
  const passed = Boolean(content) && checks.failed.length === 0 && checks.unknowns.length === 0
  if (passed) {
    display(figure, content, badge.closest('article'))
    show(badge, 'authentic', authenticText, checks)
  } else if (checks.failed.length > 0) {
    if (slot) slot.textContent = 'Image withheld: it could not be verified.'
    show(badge, 'not-authentic', `Not authentic: ${checks.failed.map((c) => c.detail).join('; ')}`, checks)
  } else {
    if (slot) slot.textContent = 'Image withheld until it can be checked.'
    show(badge, 'unknown', `Could not check right now: ${checks.unknowns.map((c) => c.detail).join('; ')}`, checks)
  }
  verified.set(badge, { ok: passed, content, failed: checks.failed, unknowns: checks.unknowns })
  if (passed) badge.dispatchEvent(new CustomEvent('verified', { detail: content }))
  return verified.get(badge)
}

export function start (config) {
  const runs = []
  if (!window.crypto || !crypto.subtle) {
    for (const badge of document.querySelectorAll('.badge')) {
      show(badge, 'unknown', 'Could not check here: this page needs https or localhost to check')
    }
    return runs
  }
  // An index card's badge (data-lazy) is checked when it is shown, with the others (cards.js).
  for (const badge of document.querySelectorAll('.badge[data-verify]:not([data-lazy])')) {
    badge.querySelector('.recheck').addEventListener('click', () => run(badge, config))
    runs.push(run(badge, config))
  }
  return runs
}

export { settings }

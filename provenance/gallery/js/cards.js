// The index's cards. A card's badge is checked only once the card is on screen or near it
// (IntersectionObserver), and the cards shown together read the chain in one JSON-RPC batch: the
// chain id, each token's record, owner and token URI, and their mint events (one eth_getLogs over
// the blocks the cards name, the token ids as one topic list). Then each card fetches its image
// once and hashes it against the token id, which is the image digest the contract recorded: one
// gateway request a card, plus its share of the batch (the work's page checks its metadata too;
// a card that plays an animation checks the metadata, the image and the animation it commits to).
// Three outcomes as everywhere: a batch that fails leaves its cards "could not check", never red.
import { decodeEventLog, decodeFunctionResult, encodeEventTopics, encodeFunctionData, getAddress, keccak256, toHex } from 'viem'
import { abi, revertName, tokenHex } from './contract.js'
import { Checks, authentic, checkContent, run, settle, show } from './badge.js'
import { fetchIpfs, rawCid, rpcBatch, sha256 } from './page.js'
import { chainName } from './chains.js'

const GROUP = 24 // cards a batch reads: 3 calls each, with the chain id and the logs (the proxy takes 100)
const LOG_WINDOW = 9999n // blocks an eth_getLogs may span at the gallery's proxy (10,000)
const LOGS_PER_BATCH = 4 // the proxy's bound on eth_getLogs in one batch
const NEAR = '400px 0px' // "near the screen": checked a little before it scrolls into view
const MIME = /^image\/(png|jpeg|gif|webp)$/

export function start (config) {
  const badges = [...document.querySelectorAll('.badge[data-verify][data-lazy]')]
  if (badges.length === 0 || !window.crypto || !crypto.subtle) return // badge.start said why
  for (const badge of badges) {
    badge.querySelector('.recheck').addEventListener('click', () => checkGroup([badge], config))
  }
  if (!('IntersectionObserver' in window)) {
    for (let i = 0; i < badges.length; i += GROUP) checkGroup(badges.slice(i, i + GROUP), config)
    return
  }
  const observer = new IntersectionObserver((entries) => {
    const shown = entries.filter((e) => e.isIntersecting).map((e) => e.target)
    for (const badge of shown) observer.unobserve(badge)
    for (let i = 0; i < shown.length; i += GROUP) checkGroup(shown.slice(i, i + GROUP), config)
  }, { rootMargin: NEAR })
  for (const badge of badges) observer.observe(badge)
}

function call (contract, functionName, args) {
  return { method: 'eth_call', params: [{ to: contract, data: encodeFunctionData({ abi, functionName, args }) }, 'latest'] }
}

// Blocks sorted and cut into windows an eth_getLogs may cover, each with the ids minted there.
function logWindows (items) {
  const known = items.filter((i) => i.block !== null).sort((a, b) => (a.block < b.block ? -1 : 1))
  const windows = []
  for (const item of known) {
    const last = windows[windows.length - 1]
    if (last && item.block - last.from <= LOG_WINDOW) {
      last.to = item.block
      last.ids.push(item.id)
    } else {
      windows.push({ from: item.block, to: item.block, ids: [item.id] })
    }
  }
  return windows
}

// Every chain read of a group of cards, in as few batches as the proxy's bounds allow (one for a
// screenful of works minted near each other). Answers by name; a batch that fails throws.
async function readChain (items, config) {
  const contract = getAddress(config.contract)
  const calls = [{ method: 'eth_chainId', params: [] }]
  for (const item of items) {
    calls.push(call(contract, 'recordOf', [item.id]), call(contract, 'ownerOf', [item.id]), call(contract, 'tokenURI', [item.id]))
  }
  const topic0 = encodeEventTopics({ abi, eventName: 'ArtworkMinted' })[0]
  const windows = logWindows(items)
  const logCalls = windows.map((w) => ({
    method: 'eth_getLogs',
    params: [{ address: contract, fromBlock: toHex(w.from), toBlock: toHex(w.to), topics: [topic0, w.ids.map((id) => tokenHex(id))] }],
  }))
  const batch = rpcBatch(config.rpcUrl)
  const batches = [batch([...calls, ...logCalls.slice(0, LOGS_PER_BATCH)])]
  for (let i = LOGS_PER_BATCH; i < logCalls.length; i += LOGS_PER_BATCH) batches.push(batch(logCalls.slice(i, i + LOGS_PER_BATCH)))
  const answers = (await Promise.all(batches)).flat()
  const logs = answers.slice(calls.length)
  const events = new Map() // token id -> its mint event, or an error when its window failed
  windows.forEach((w, i) => {
    const answer = logs[i]
    for (const id of w.ids) events.set(id, answer.error ? { error: answer.error } : null)
    if (answer.error || !Array.isArray(answer.result)) return
    for (const log of answer.result) {
      try {
        const event = decodeEventLog({ abi, data: log.data, topics: log.topics })
        if (event.eventName !== 'ArtworkMinted' || !events.has(event.args.tokenId)) continue
        events.set(event.args.tokenId, { ...event.args, blockNumber: BigInt(log.blockNumber), transactionHash: log.transactionHash })
      } catch (err) { /* not a mint event of these tokens */ }
    }
  })
  return {
    chainId: answers[0],
    token: (index) => ({ record: answers[1 + 3 * index], owner: answers[2 + 3 * index], uri: answers[3 + 3 * index] }),
    events,
  }
}

function decoded (answer, functionName) {
  return decodeFunctionResult({ abi, functionName, data: answer.result })
}

// The chain's side of one card: the recorded metadata digest when it passed, false otherwise.
function judgeChain (item, chain, reads, config, checks) {
  if (chain.chainId.error) return checks.unknown('chain', `the chain could not be read (${chain.chainId.error.message})`)
  const chainId = Number(BigInt(chain.chainId.result))
  if (chainId !== config.chainId) return checks.fail('chain', `the chain reader is on chain ${chainId}, not ${config.chainId}`)
  const short = tokenHex(item.id).slice(2, 10)
  if (reads.record.error) {
    const reverted = revertName(String((reads.record.error.data && reads.record.error.data.data) || reads.record.error.data || ''))
    if (!reverted) return checks.unknown('record', `the chain could not be read (${reads.record.error.message})`)
    return checks.fail('record', `token ${short} has no record on ${chainName(config.chainId)}`)
  }
  const metadataDigest = decoded(reads.record, 'recordOf')
  if (/^0x0+$/.test(metadataDigest)) return checks.fail('record', `token ${short} has no record on ${chainName(config.chainId)}`)
  checks.pass('record', `recorded metadata ${metadataDigest}, image ${tokenHex(item.id)}`)
  if (!reads.owner.error) {
    const owner = getAddress(decoded(reads.owner, 'ownerOf'))
    if (reads.uri.error) return checks.unknown('token URI', `the chain could not be read (${reads.uri.error.message})`)
    const uri = decoded(reads.uri, 'tokenURI')
    if (uri !== `ipfs://${rawCid(metadataDigest)}`) return checks.fail('token URI', 'the token URI does not name the recorded metadata')
    checks.pass('owner', `owned by ${owner}; token URI ${uri}`)
  } else if (!revertName(String((reads.owner.error.data && reads.owner.error.data.data) || reads.owner.error.data || ''))) {
    return checks.unknown('owner', `the chain could not be read (${reads.owner.error.message})`)
  } // else burned: the record stays, the card says so in words
  if (item.block !== null) {
    const event = chain.events.get(item.id)
    if (event && event.error) return checks.unknown('mint event', `the chain could not be read (${event.error.message})`)
    if (!event || event.blockNumber !== item.block || event.metadataDigest !== metadataDigest ||
        keccak256(event.sealedMessage) !== event.messageHash) {
      return checks.fail('mint event', 'no mint event with these digests in the block the page names')
    }
    checks.pass('mint event', `minted to ${event.to} in block ${event.blockNumber}, tx ${event.transactionHash}`)
  }
  return metadataDigest
}

async function judgeImage (item, config, checks) {
  let bytes
  try {
    bytes = await fetchIpfs(config.gateway, item.imageCid)
  } catch (err) {
    return checks.unknown('image', `the image could not be fetched (${err.message})`) && null
  }
  const digest = await sha256(bytes)
  if (digest !== tokenHex(item.id)) {
    return checks.fail('image', 'the image bytes differ from the image recorded on the chain (sha256 ' + digest + ')') && null
  }
  checks.pass('image', `${bytes.length} bytes hash to ${tokenHex(item.id)}`)
  return { imageBytes: bytes, imageMime: MIME.test(item.mime) ? item.mime : 'application/octet-stream', animation: null }
}

export async function checkGroup (badges, config) {
  const items = []
  for (const badge of badges) {
    const data = JSON.parse(badge.dataset.verify)
    // A work whose metadata the gallery could not read names no image: the full check (metadata
    // first, by the record) says what is wrong.
    if (!data.imageCid) { run(badge, config); continue }
    show(badge, 'pending', `Checking against ${chainName(config.chainId)}…`)
    items.push({
      badge,
      id: BigInt(data.tokenId),
      block: data.mintedBlock === null || data.mintedBlock === undefined ? null : BigInt(data.mintedBlock),
      imageCid: String(data.imageCid),
      mime: String(data.mime || ''),
      animated: Boolean(badge.closest('article') && badge.closest('article').querySelector('.card-animation')),
    })
  }
  if (items.length === 0) return
  let chain = null
  let failure = null
  try {
    chain = await readChain(items, config)
  } catch (err) {
    failure = err
  }
  await Promise.all(items.map(async (item, index) => {
    const checks = new Checks()
    let content = null
    try {
      if (!chain) {
        checks.unknown('chain', `the chain could not be read (${failure && failure.message})`)
      } else {
        const metadataDigest = judgeChain(item, chain, chain.token(index), config, checks)
        // A card that plays the work's animation needs the verified metadata (which commits
        // to the animation's bytes): the whole content check, as the work's page makes it.
        if (metadataDigest && item.animated) {
          content = await checkContent(config.gateway, { metadataDigest, imageDigest: tokenHex(item.id) }, checks)
        } else if (metadataDigest) {
          content = await judgeImage(item, config, checks)
        }
      }
    } catch (err) {
      checks.unknown('chain', `the chain could not be read (${err.message})`)
    }
    const article = item.badge.closest('article')
    settle(item.badge, article && article.querySelector('.card-image'), checks, content, authentic(config))
  }))
}

// Everything that knows the ProvenanceArt contract, in one module. The ABI is the compiled artifact
// the Python package ships (provenance/contracts/ProvenanceArt.json), so a new contract version
// changes the bundle when it is rebuilt, not this code's shape.
import { abi } from '../../contracts/ProvenanceArt.json'
import {
  decodeErrorResult, decodeEventLog, decodeFunctionResult, encodeEventTopics, encodeFunctionData,
  getAddress, keccak256, recoverAddress, toHex,
} from 'viem'

export { abi }

// A read-only view of the contract over a JSON-RPC `request` (the gallery's proxy or a node).
export class Collection {
  constructor (request, address) {
    this.request = request
    this.address = getAddress(address)
  }

  async read (functionName, args = []) {
    const data = encodeFunctionData({ abi, functionName, args })
    const result = await this.request('eth_call', [{ to: this.address, data }, 'latest'])
    return decodeFunctionResult({ abi, functionName, data: result })
  }

  // The recorded metadata digest; the image digest is the token id itself (contract v2).
  async record (tokenId) {
    const metadataDigest = await this.read('recordOf', [BigInt(tokenId)])
    return { metadataDigest, imageDigest: tokenHex(tokenId) }
  }

  async owner (tokenId) {
    try {
      return getAddress(await this.read('ownerOf', [BigInt(tokenId)]))
    } catch (err) {
      return null // burned, or never minted
    }
  }

  tokenURI (tokenId) { return this.read('tokenURI', [BigInt(tokenId)]) }

  async isMinter (account) {
    const role = await this.read('MINTER_ROLE')
    return this.read('hasRole', [role, getAddress(account)])
  }

  // 'open', 'redeemed' or 'canceled': voucher state is kept per (signer, id).
  async voucherState (voucher) {
    const state = await this.read('voucherState', [getAddress(voucher.signer), voucher.id])
    return VOUCHER_STATES[Number(state)] || `unknown (${state})`
  }

  // Whether an image was ever minted (live or burned): its token id is its digest, and the
  // record stays after a burn; recordOf reverts UnknownToken for an id never minted.
  async imageMinted (imageDigest) {
    try {
      await this.read('recordOf', [BigInt(imageDigest)])
      return true
    } catch (err) {
      if (revertNameOf(err) === 'UnknownToken') return false
      throw err
    }
  }

  // Who signed the voucher, by the contract's own EIP-712 hash of it.
  async voucherSigner (voucher, signature) {
    const hash = await this.read('hashVoucher', [voucherTuple(voucher)])
    return recoverAddress({ hash, signature })
  }

  // The block of a token's ArtworkMinted event, for a page that does not know it (token.html):
  // searched newest first down to the collection's deployment (`floor`: no event before it), in
  // windows the gallery's read-only proxy serves, `parallel` windows asked at once; null when not
  // found.
  async mintedBlock (tokenId, { floor = 0n, window = 9999n, parallel = 4, maxWindows = 400 } = {}) {
    const topics = encodeEventTopics({ abi, eventName: 'ArtworkMinted', args: { tokenId: BigInt(tokenId) } })
    let to = BigInt(await this.request('eth_blockNumber'))
    for (let asked = 0; asked < maxWindows && to >= floor; asked += parallel) {
      const windows = []
      for (let i = 0; i < parallel && to >= floor; i++) {
        const from = to - floor > window ? to - window : floor
        windows.push({ from, to })
        to = from - 1n
      }
      const found = await Promise.all(windows.map(({ from, to }) => this.request('eth_getLogs', [{ address: this.address, topics, fromBlock: toHex(from), toBlock: toHex(to) }])))
      const logs = found.find((l) => l.length > 0) // the newest window with the event
      if (logs) return BigInt(logs[0].blockNumber)
    }
    return null
  }

  // The ArtworkMinted event of a token, looked up in the block the page names (a hint: a wrong
  // one finds nothing, never a wrong event), its messageHash checked against its own bytes.
  async mintedEvent (tokenId, block) {
    const topics = encodeEventTopics({ abi, eventName: 'ArtworkMinted', args: { tokenId: BigInt(tokenId) } })
    const blockHex = toHex(BigInt(block))
    const logs = await this.request('eth_getLogs', [{ address: this.address, topics, fromBlock: blockHex, toBlock: blockHex }])
    for (const log of logs) {
      const event = decodeEventLog({ abi, data: log.data, topics: log.topics })
      if (event.eventName !== 'ArtworkMinted' || event.args.tokenId !== BigInt(tokenId)) continue
      if (keccak256(event.args.sealedMessage) !== event.args.messageHash) {
        throw new Error('the mint event\'s message does not match its own hash')
      }
      return { ...event.args, blockNumber: BigInt(log.blockNumber), transactionHash: log.transactionHash }
    }
    return null
  }
}

const VOUCHER_STATES = ['open', 'redeemed', 'canceled']

// The full token id as 0x and 64 hex digits: the image digest, and the gallery's page name.
export function tokenHex (tokenId) {
  return toHex(BigInt(tokenId), { size: 32 })
}

// The custom error a failed call carries, by name, walking the error's causes (viem and wallets
// nest the revert data at different depths); null when there is none.
export function revertNameOf (err) {
  for (let cause = err, i = 0; cause && i < 6; i++, cause = cause.cause) {
    const data = cause.data && typeof cause.data === 'object' ? cause.data.data : cause.data
    if (typeof data === 'string' && data.startsWith('0x')) {
      const name = revertName(data)
      if (name) return name
    }
  }
  return null
}

export function voucherTuple (v) {
  return {
    signer: getAddress(v.signer),
    recipient: getAddress(v.recipient),
    metadataDigest: v.metadataDigest,
    imageDigest: v.imageDigest,
    minDonation: BigInt(v.minDonation),
    deadline: BigInt(v.deadline),
    id: v.id,
  }
}

export function redeemData (voucher, signature, sealedMessageHex) {
  return encodeFunctionData({ abi, functionName: 'redeem', args: [voucherTuple(voucher), signature, sealedMessageHex] })
}

// The token a redeem transaction minted, from its receipt's ArtworkMinted log.
export function mintedToken (receipt, contract) {
  for (const log of receipt.logs || []) {
    if (getAddress(log.address) !== getAddress(contract)) continue
    try {
      const event = decodeEventLog({ abi, data: log.data, topics: log.topics })
      if (event.eventName === 'ArtworkMinted') return event.args.tokenId
    } catch (err) { /* another event */ }
  }
  return null
}

// The custom error a revert carries, by name, or null.
export function revertName (data) {
  try {
    return decodeErrorResult({ abi, data }).errorName
  } catch (err) {
    return null
  }
}

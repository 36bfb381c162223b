// The donor's wallet sealing key as a short, typo-safe code, byte for byte what
// provenance/seal/walletcode.py reads (docs/sealed-messages.md):
//   bech32("pvk", 0x01 || X25519 public key (32) || tag (4))
//   tag = SHA-256("provenance/wallet-key-code/v1" || chain id (8 bytes, big endian)
//                 || contract (20) || donor (20))[0..4]
import { bech32 } from '@scure/base'
import { sha256 } from '@noble/hashes/sha256'
import { getAddress, hexToBytes } from 'viem'

const DOMAIN = new TextEncoder().encode('provenance/wallet-key-code/v1')

export function keyCodeTag ({ donor, contract, chainId }) {
  const chain = new Uint8Array(8)
  new DataView(chain.buffer).setBigUint64(0, BigInt(chainId))
  const parts = [DOMAIN, chain, hexToBytes(getAddress(contract)), hexToBytes(getAddress(donor))]
  const input = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) { input.set(part, at); at += part.length }
  return sha256(input).slice(0, 4)
}

export function encodeKeyCode (publicKey, binding) {
  if (publicKey.length !== 32) throw new Error('a wallet sealing key is 32 bytes')
  const payload = new Uint8Array(37)
  payload[0] = 1
  payload.set(publicKey, 1)
  payload.set(keyCodeTag(binding), 33)
  return bech32.encode('pvk', bech32.toWords(payload))
}

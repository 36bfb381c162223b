// The donor's wallet-derived sealing key (wallet-signature-v1), byte for byte what
// provenance/seal/wallet.py computes:
//   signed bytes = keyMessage(...)  (EIP-191 personal_sign)
//   secret       = HKDF-SHA256(ikm = r || s, salt = empty, info = "provenance/x25519-key/v1", 32)
//   public key   = X25519(secret)   (tweetnacl box.keyPair.fromSecretKey)
// and the x25519-xsalsa20-poly1305 envelope eth-sig-util's encrypt/decrypt use. The page keeps a
// secret only for the action that needs it.
import { hkdf } from '@noble/hashes/hkdf'
import { sha256 } from '@noble/hashes/sha256'
import nacl from 'tweetnacl'
import { getAddress, hexToBytes } from 'viem'

export const WALLET_KEY = 'wallet-signature-v1'
export const MAX_MESSAGE_BYTES = 1024
const INFO = new TextEncoder().encode('provenance/x25519-key/v1')

export function keyMessage ({ donor, contract, chainId }) {
  return [
    'provenance: unlock my sealed messages',
    '',
    'Signing this message unlocks the messages sealed to me in this collection:',
    "anyone who has this signature can read them. Sign it only on this collection's",
    'own pages. It authorizes no transaction and no transfer.',
    '',
    `Donor: ${getAddress(donor)}`,
    `Collection: ${getAddress(contract)}`,
    `Chain ID: ${Number(chainId)}`,
  ].join('\n')
}

export function secretFromSignature (signatureHex) {
  const signature = hexToBytes(signatureHex)
  if (signature.length !== 65) throw new Error('a personal_sign signature is 65 bytes')
  return hkdf(sha256, signature.slice(0, 64), new Uint8Array(0), INFO, 32)
}

export function publicKeyOf (secret) {
  return nacl.box.keyPair.fromSecretKey(secret).publicKey
}

const b64 = (bytes) => btoa(String.fromCharCode(...bytes))
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

export function encodePublicKey (publicKey) { return b64(publicKey) }

export function messageBytes (text) {
  const bytes = new TextEncoder().encode(text)
  if (bytes.length < 1 || bytes.length > MAX_MESSAGE_BYTES) {
    throw new Error(`a message is 1 to ${MAX_MESSAGE_BYTES} bytes of UTF-8`)
  }
  return bytes
}

// The envelope, field for field what eth-sig-util's encrypt returns.
export function seal (publicKey, text) {
  const data = messageBytes(text)
  const ephemeral = nacl.box.keyPair()
  const nonce = nacl.randomBytes(nacl.box.nonceLength)
  const ciphertext = nacl.box(data, nonce, publicKey, ephemeral.secretKey)
  return {
    version: 'x25519-xsalsa20-poly1305',
    nonce: b64(nonce),
    ephemPublicKey: b64(ephemeral.publicKey),
    ciphertext: b64(ciphertext),
  }
}

// The stored form (RFC 8785): {"envelope": {...sorted fields}, "key": "wallet-signature-v1"}.
// Every value is a base64 or fixed ASCII string, so sorted JSON.stringify is the JCS form.
export function storedJson (envelope) {
  const sorted = {}
  for (const name of Object.keys(envelope).sort()) sorted[name] = String(envelope[name])
  return JSON.stringify({ envelope: sorted, key: WALLET_KEY })
}

// Parse stored bytes; return { envelope, key } (key null for a bare envelope).
export function parseStored (text) {
  const value = JSON.parse(text)
  if (value && typeof value === 'object' && 'version' in value) return { envelope: value, key: null }
  if (!value || value.key !== WALLET_KEY || typeof value.envelope !== 'object') {
    throw new Error('not a sealed message this page can open')
  }
  return { envelope: value.envelope, key: value.key }
}

export function open (envelope, secret) {
  if (envelope.version !== 'x25519-xsalsa20-poly1305') {
    throw new Error(`a ${envelope.version} envelope is not opened by a wallet-derived key`)
  }
  const plain = nacl.box.open(unb64(envelope.ciphertext), unb64(envelope.nonce),
    unb64(envelope.ephemPublicKey), secret)
  if (!plain) throw new Error('this key does not open the message')
  return new TextDecoder('utf-8', { fatal: true }).decode(plain)
}

// Peers for the wallet-key tests: viem (a real wallet library) signs the key message, the gallery's
// own browser module (provenance/gallery/js/sealkey.js) derives the key and seals / opens, and
// @metamask/eth-sig-util seals / opens independently. JSON ops on stdin (keys never in argv);
// one JSON array of results on stdout: {"ok": value} or {"error": message}.
import sigUtil from '@metamask/eth-sig-util'
import { bytesToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import * as sealkey from '../../provenance/gallery/js/sealkey.js'

const handlers = {
  // What the page does with a wallet: personal_sign the key message, derive the key.
  'viem-derive': async ({ privateKey, contract, chainId }) => {
    const account = privateKeyToAccount(privateKey)
    const message = sealkey.keyMessage({ donor: account.address, contract, chainId })
    const signature = await account.signMessage({ message })
    const secret = sealkey.secretFromSignature(signature)
    return {
      message,
      signature,
      secret: bytesToHex(secret).slice(2),
      publicKey: sealkey.encodePublicKey(sealkey.publicKeyOf(secret)),
    }
  },
  'page-seal': ({ publicKey, message }) => {
    const key = Uint8Array.from(Buffer.from(publicKey, 'base64'))
    return sealkey.storedJson(sealkey.seal(key, message))
  },
  'page-open': ({ stored, secret }) => {
    const { envelope } = sealkey.parseStored(stored)
    return sealkey.open(envelope, Uint8Array.from(Buffer.from(secret, 'hex')))
  },
  'sigutil-encrypt': ({ publicKey, message }) =>
    sigUtil.encrypt({ publicKey, data: message, version: 'x25519-xsalsa20-poly1305' }),
  'sigutil-decrypt': ({ envelope, secret }) =>
    sigUtil.decrypt({ encryptedData: envelope, privateKey: secret }),
}

let input = ''
process.stdin.setEncoding('utf8')
for await (const chunk of process.stdin) input += chunk
const results = []
for (const op of JSON.parse(input)) {
  try {
    const handler = handlers[op.op]
    if (!handler) throw new Error(`unknown op ${op.op}`)
    results.push({ ok: await handler(op) })
  } catch (err) {
    results.push({ error: String(err && err.message ? err.message : err) })
  }
}
process.stdout.write(JSON.stringify(results))

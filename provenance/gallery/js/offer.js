// The check every page makes of a signed offer before trusting it: the voucher's signature is its
// signer's (by the contract's own EIP-712 hash), and that signer may mint in this collection. The
// badge reports it, the donate form refuses on it: one check, two voices.

// null when the offer's signer checks out, else the reason as a phrase (no capital, no full stop).
export async function offerSignerProblem (collection, offer) {
  const signer = await collection.voucherSigner(offer.voucher, offer.signature)
  if (signer.toLowerCase() !== String(offer.voucher.signer).toLowerCase()) {
    return "the offer's signature is not its signer's"
  }
  const form = openzeppelinFormProblem(offer.signature)
  if (form) return `the offer's signature is not in the form the contract accepts (${form})`
  if (!await collection.isMinter(signer)) {
    return `the offer's signer ${signer} may not mint in this collection`
  }
  return null
}

// Half the secp256k1 group order: OpenZeppelin's ECDSA refuses an s above it (EIP-2).
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

// Why the contract's ECDSA (what redeem runs for a signer with a key) refuses a signature that
// still recovers its signer, or null: v must be 27 or 28 and s in the lower half (the upper-half
// twin of a valid signature is a malleated copy, which the contract refuses: the page names it).
export function openzeppelinFormProblem (signature) {
  const hex = String(signature).replace(/^0x/, '')
  if (!/^[0-9a-fA-F]{130}$/.test(hex)) return 'it is not 65 bytes'
  const v = parseInt(hex.slice(128), 16)
  if (v !== 27 && v !== 28) return `its v is ${v}, not 27 or 28`
  if (BigInt('0x' + hex.slice(64, 128)) > HALF_ORDER) return 'its s is in the upper half of the curve order, a malleated copy'
  return null
}

// The check every page makes of a signed offer before trusting it: the voucher's signature is its
// signer's (by the contract's own EIP-712 hash), and that signer may mint in this collection. The
// badge reports it, the donate form refuses on it: one check, two voices.

// null when the offer's signer checks out, else the reason as a phrase (no capital, no full stop).
export async function offerSignerProblem (collection, offer) {
  const signer = await collection.voucherSigner(offer.voucher, offer.signature)
  if (signer.toLowerCase() !== String(offer.voucher.signer).toLowerCase()) {
    return "the offer's signature is not its signer's"
  }
  if (!await collection.isMinter(signer)) {
    return `the offer's signer ${signer} may not mint in this collection`
  }
  return null
}

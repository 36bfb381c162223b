// Networks by name, as people say them (provenance/chain/network.py holds the same table).
const NAMES = {
  1: 'Ethereum',
  11155111: 'Sepolia',
  17000: 'Holesky',
  8453: 'Base',
  10: 'Optimism',
  42161: 'Arbitrum One',
  137: 'Polygon',
  31337: 'the devnet',
}

// A chain's name, or its number for any other.
export function chainName (id) {
  const n = Number(id)
  return NAMES[n] || String(n)
}

// The chain as a sentence names it: "Base", "the devnet", "chain 5".
export function chainPhrase (id) {
  const name = chainName(id)
  return /^[0-9]+$/.test(name) ? `chain ${name}` : name
}

// Chains by name: the known ones (chains.json, written by scripts/build-gallery-js from the one
// table in provenance/chain/network.py) by their name, any other by its number.
import names from './chains.json'

// 'Sepolia' for 11155111, 'chain 5' for a chain this table does not know.
export function chainName (id) {
  const number = Number(id)
  return Object.hasOwn(names, String(number)) ? names[String(number)] : `chain ${number}`
}

// 'Sepolia (chain 11155111)' for a known chain, 'chain 5' for any other.
export function chainLabel (id) {
  const number = Number(id)
  return Object.hasOwn(names, String(number)) ? `${names[String(number)]} (chain ${number})` : `chain ${number}`
}

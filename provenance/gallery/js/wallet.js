// Wallets through EIP-6963 discovery (falling back to window.ethereum) and plain EIP-1193 requests:
// eth_requestAccounts, eth_chainId, wallet_switchEthereumChain / wallet_addEthereumChain,
// personal_sign, eth_sendTransaction, and reads. No wallet SDK.
import { getAddress, stringToHex } from 'viem'
import { chainName } from './chains.js'

// A refusal the donor should read: one plain sentence, shown as is.
export class Refusal extends Error {}

// EIP-6963: listen from the moment the page loads (wallets answer a request at once, or announce
// themselves when they load later), so a click finds them without waiting. Only when none has
// answered yet does a click wait, up to waitMs, for a late one.
const announced = new Map()
let listening = false

export function listenForWallets () {
  if (listening) return
  listening = true
  window.addEventListener('eip6963:announceProvider', (event) => {
    const detail = event.detail
    if (detail && detail.info && detail.provider && typeof detail.provider.request === 'function') {
      announced.set(String(detail.info.uuid), { info: detail.info, provider: detail.provider })
    }
  })
  window.dispatchEvent(new Event('eip6963:requestProvider'))
}

export async function discover (waitMs = 400) {
  listenForWallets()
  for (let waited = 0; announced.size === 0 && waited < waitMs; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const wallets = [...announced.values()]
  if (wallets.length === 0 && window.ethereum && typeof window.ethereum.request === 'function') {
    wallets.push({ info: { name: 'Browser wallet', uuid: 'window.ethereum' }, provider: window.ethereum })
  }
  return wallets
}

// Ask the donor to pick one wallet when several announce; resolve with it.
export function pick (wallets, container) {
  if (wallets.length === 1) return Promise.resolve(wallets[0])
  return new Promise((resolve) => {
    container.replaceChildren()
    const label = document.createElement('p')
    label.textContent = 'Choose a wallet:'
    container.append(label)
    for (const wallet of wallets) {
      const button = document.createElement('button')
      button.type = 'button'
      button.className = 'wallet-option'
      button.dataset.testid = 'wallet-option'
      button.setAttribute('data-testid', 'wallet-option')
      button.textContent = String(wallet.info.name || 'Wallet') // text only: a wallet names itself
      button.addEventListener('click', () => { container.replaceChildren(); resolve(wallet) })
      container.append(button)
    }
    container.hidden = false
  })
}

// Whether the person declined in their wallet (EIP-1193 4001; ethers' ACTION_REJECTED).
export function rejected (err) {
  return err && (err.code === 4001 || err.code === 'ACTION_REJECTED')
}

export class Wallet {
  constructor (provider, name) {
    this.provider = provider
    this.name = name
  }

  async request (method, params) {
    return this.provider.request(params === undefined ? { method } : { method, params })
  }

  async connect () {
    let accounts
    try {
      accounts = await this.request('eth_requestAccounts')
    } catch (err) {
      if (rejected(err)) throw new Refusal('You declined to connect your wallet, so nothing was sent.')
      throw new Refusal(`Your wallet could not connect (${plain(err)}), so nothing was sent.`)
    }
    if (!accounts || accounts.length === 0) throw new Refusal('Your wallet shared no account, so nothing was sent.')
    this.account = getAddress(accounts[0])
    return this.account
  }

  async ensureChain (chainId, rpcUrl) {
    const current = Number(BigInt(await this.request('eth_chainId')))
    if (current === chainId) return
    const hex = '0x' + chainId.toString(16)
    try {
      await this.request('wallet_switchEthereumChain', [{ chainId: hex }])
    } catch (err) {
      if (err && err.code === 4902 && rpcUrl) {
        try {
          await this.request('wallet_addEthereumChain', [{
            chainId: hex, chainName: chainName(chainId), rpcUrls: [rpcUrl],
            nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
          }])
        } catch (addErr) {
          throw new Refusal(`Your wallet is on ${chainName(current)} and did not add ${chainName(chainId)}, so nothing was sent.`)
        }
      } else {
        throw new Refusal(`Your wallet is on ${chainName(current)} and did not switch to ${chainName(chainId)}, so nothing was sent.`)
      }
    }
    const now = Number(BigInt(await this.request('eth_chainId')))
    if (now !== chainId) {
      throw new Refusal(`Your wallet is on ${chainName(now)}, not ${chainName(chainId)}, so nothing was sent.`)
    }
  }

  async personalSign (text) {
    try {
      return await this.request('personal_sign', [stringToHex(text), this.account])
    } catch (err) {
      if (rejected(err)) throw new Refusal('You declined to sign the key message, so nothing was sent.')
      throw new Refusal(`Your wallet could not sign (${plain(err)}), so nothing was sent.`)
    }
  }
}

// A wallet or node error as short plain text (never markup: callers set textContent).
export function plain (err) {
  const text = String((err && (err.shortMessage || err.message)) || err)
  return text.split('\n')[0].slice(0, 200)
}

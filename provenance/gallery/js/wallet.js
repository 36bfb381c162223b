// Wallets through EIP-6963 discovery (falling back to window.ethereum) and plain EIP-1193 requests:
// eth_requestAccounts, eth_chainId, wallet_switchEthereumChain / wallet_addEthereumChain,
// personal_sign, eth_sendTransaction, and reads. No wallet SDK.
import { getAddress, stringToHex } from 'viem'
import { chainName } from './chains.js'

// A refusal the donor should read: one plain sentence, shown as is.
export class Refusal extends Error {}

export function discover (waitMs = 400) {
  return new Promise((resolve) => {
    const found = new Map()
    const onAnnounce = (event) => {
      const detail = event.detail
      if (detail && detail.info && detail.provider && typeof detail.provider.request === 'function') {
        found.set(String(detail.info.uuid), { info: detail.info, provider: detail.provider })
      }
    }
    window.addEventListener('eip6963:announceProvider', onAnnounce)
    window.dispatchEvent(new Event('eip6963:requestProvider'))
    setTimeout(() => {
      window.removeEventListener('eip6963:announceProvider', onAnnounce)
      const wallets = [...found.values()]
      if (wallets.length === 0 && window.ethereum && typeof window.ethereum.request === 'function') {
        wallets.push({ info: { name: 'Browser wallet', uuid: 'window.ethereum' }, provider: window.ethereum })
      }
      resolve(wallets)
    }, waitMs)
  })
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

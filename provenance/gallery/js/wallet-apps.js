// A visitor without a browser wallet (a phone's browser) is offered this very page in a wallet
// app's own browser, by each app's documented link (checked against their documentation, see
// docs/gallery/phones.md), and a control to copy the page's link. The page's address is its public
// one when the gallery names one (gallery serve|build --public-url), else the one it was opened at.
import { el, setting } from './page.js'

export function pageUrl () {
  const base = setting('public-url')
  const path = setting('page')
  if (base) return new URL(path, base).href
  const here = new URL(window.location.href)
  here.hash = ''
  return here.href
}

export function walletAppLinks (url) {
  const bare = url.replace(/^https?:\/\//, '')
  return [
    { name: 'MetaMask', href: `https://link.metamask.io/dapp/${bare}` },
    { name: 'Coinbase Wallet', href: `https://go.cb-w.com/dapp?cb_url=${encodeURIComponent(url)}` },
    { name: 'Trust Wallet', href: `https://link.trustwallet.com/open_url?coin_id=60&url=${encodeURIComponent(url)}` },
  ]
}

// Fill and show every .wallet-apps block on the page (the offer's donate form, the token's
// message, the key page).
export function showWalletApps (root = document) {
  const url = pageUrl()
  for (const block of root.querySelectorAll('.wallet-apps')) {
    const list = block.querySelector('.wallet-app-links')
    if (!list.children.length) {
      list.replaceChildren(...walletAppLinks(url).map((app) => {
        const item = el('li')
        const link = el('a', { href: app.href, 'data-testid': 'wallet-deeplink', rel: 'noopener noreferrer', class: 'wallet-deeplink' }, `Open in ${app.name}`)
        item.append(link)
        return item
      }))
      const button = block.querySelector('.copy-link')
      const status = block.querySelector('.copy-link-status')
      button.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(url)
          status.textContent = 'Link copied: paste it in your wallet app\'s browser.'
        } catch (err) {
          status.textContent = url // no clipboard here: the link as text, to copy by hand
        }
      })
    }
    block.hidden = false
  }
}

// token.html: the token named in the page's URL (?id=0x<64 hex>[&block=N], or #0x...), for any
// token of the collection, minted before or after the site was built. The page is filled in
// before the badge runs; every value shown is text.
import { tokenHex } from './contract.js'

function tokenFromUrl () {
  const query = new URLSearchParams(window.location.search)
  const text = (query.get('id') || window.location.hash.replace(/^#/, '')).trim().toLowerCase()
  const block = query.get('block')
  let id = null
  if (/^0x[0-9a-f]{64}$/.test(text)) id = BigInt(text)
  else if (/^[0-9]{1,78}$/.test(text)) id = BigInt(text)
  if (id !== null && id >= 2n ** 256n) id = null
  return { id, block: block && /^[0-9]{1,15}$/.test(block) ? Number(block) : null }
}

export function setup (article) {
  const { id, block } = tokenFromUrl()
  const badge = article.querySelector('.badge')
  const title = article.querySelector('[data-token-title]')
  if (id === null) {
    title.textContent = 'No token named'
    article.querySelector('[data-token-lede]').textContent = 'This address names no token: it needs ?id= and the token’s full id (0x and 64 hex digits).'
    badge.remove()
    article.querySelector('section.message').hidden = true
    return
  }
  const hex = tokenHex(id)
  const payload = JSON.stringify({ tokenId: id.toString(10), mintedBlock: block })
  badge.dataset.verify = payload
  article.querySelector('section.message').dataset.message = payload
  article.querySelector('[data-token-hex]').textContent = hex
  article.querySelector('[data-token-command]').textContent = `provenance verify ${hex.slice(2, 10)} --gallery ${new URL('.', document.baseURI).href}`
  title.textContent = `Token ${hex.slice(2, 10)}`
  badge.addEventListener('verified', (event) => {
    const name = event.detail && event.detail.metadata && event.detail.metadata.name
    if (typeof name === 'string' && name) {
      title.textContent = name
      document.title = `${name} · ${document.title.split(' · ').pop()}`
    }
  })
}

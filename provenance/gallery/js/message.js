// The token page's "Read the message": the donor's wallet signs the key message, the page derives
// the key and opens the envelope from the mint event; the text is shown as text. A wallet that is
// not the one the message was sealed for (the account the token was minted to) is never asked to
// sign: its key could not open the message.
import { getAddress, hexToString } from 'viem'
import { Collection } from './contract.js'
import { deriveSecret } from './donate.js'
import { rpcReader } from './page.js'
import * as sealkey from './sealkey.js'
import { Refusal, Wallet, discover, listenForWallets, pick, plain } from './wallet.js'
import { showWalletApps } from './wallet-apps.js'

export function setup (section, config) {
  const button = section.querySelector('[data-testid="read-message"]')
  const output = section.querySelector('[data-testid="message-text"]')
  const status = section.querySelector('.message-status')
  const picker = section.querySelector('.wallet-picker')
  const data = JSON.parse(section.dataset.message)
  listenForWallets()
  button.addEventListener('click', async () => {
    button.disabled = true
    status.textContent = ''
    output.textContent = ''
    try {
      const read = rpcReader(config.rpcUrl)
      const collection = new Collection(read, config.contract)
      const block = data.mintedBlock ?? await collection.mintedBlock(data.tokenId, { floor: config.fromBlock })
      const event = block === null ? null : await collection.mintedEvent(data.tokenId, block)
      if (!event) throw new Refusal('The mint event of this token was not found, so there is no message to open.')
      if (event.sealedMessage === '0x') throw new Refusal('This token carries no message.')
      const stored = sealkey.parseStored(hexToString(event.sealedMessage))
      if (stored.key !== sealkey.WALLET_KEY) {
        throw new Refusal('This message was sealed to your Ethereum key itself: open it with `provenance decrypt` on your computer.')
      }
      const wallets = await discover()
      if (wallets.length === 0) {
        showWalletApps(section)
        throw new Refusal('No browser wallet was found here: open this page in your wallet app.')
      }
      const chosen = await pick(wallets, picker)
      const wallet = new Wallet(chosen.provider, chosen.info.name)
      await wallet.connect()
      const sealedFor = getAddress(event.to)
      if (wallet.account !== sealedFor) {
        const owner = await collection.owner(data.tokenId)
        const holds = owner && owner !== sealedFor ? ` (the token is now held by ${owner})` : ''
        throw new Refusal(`This message was sealed for ${sealedFor}${holds}; your wallet is ${wallet.account}, so it was not asked to sign.`)
      }
      await wallet.ensureChain(config.chainId, config.walletRpcUrl)
      status.textContent = 'Sign the key message in your wallet to open the message.'
      const secret = await deriveSecret(wallet, config)
      let text
      try {
        text = sealkey.open(stored.envelope, secret)
      } catch (err) {
        throw new Refusal(`This wallet's key does not open the message: it was sealed for ${getAddress(event.to)}, and you are ${wallet.account}.`)
      } finally {
        secret.fill(0)
      }
      output.textContent = text
      output.hidden = false
      status.textContent = ''
    } catch (err) {
      status.textContent = err instanceof Refusal ? err.message.replace(', so nothing was sent.', '.') : `The message could not be opened (${plain(err)}).`
    } finally {
      button.disabled = false
      picker.hidden = true
    }
  })
}

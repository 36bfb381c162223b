// The donor's key page: connect a wallet, sign the key message, show the public sealing key as a
// short code for the artist (`provenance mint --donor-wallet-key CODE`). The secret is dropped as
// soon as the public key is derived; nothing is sent anywhere.
import { deriveSecret } from './donate.js'
import { encodeKeyCode } from './keycode.js'
import { qrSvg } from './qr.js'
import * as sealkey from './sealkey.js'
import { Refusal, Wallet, discover, pick, plain } from './wallet.js'
import { showWalletApps } from './wallet-apps.js'

export function setup (section, config) {
  const button = section.querySelector('.key-connect')
  const status = section.querySelector('.key-status')
  const picker = section.querySelector('.wallet-picker')
  const result = section.querySelector('.key-result')
  button.addEventListener('click', async () => {
    button.disabled = true
    status.textContent = ''
    try {
      const wallets = await discover()
      if (wallets.length === 0) {
        showWalletApps(section)
        throw new Refusal('No browser wallet was found here: open this page in your wallet app.')
      }
      const chosen = await pick(wallets, picker)
      const wallet = new Wallet(chosen.provider, chosen.info.name)
      await wallet.connect()
      await wallet.ensureChain(config.chainId, config.walletRpcUrl)
      status.textContent = 'Sign the key message in your wallet.'
      const secret = await deriveSecret(wallet, config)
      const publicKey = sealkey.publicKeyOf(secret)
      secret.fill(0)
      const code = encodeKeyCode(publicKey, { donor: wallet.account, contract: config.contract, chainId: config.chainId })
      section.querySelector('.key-account').textContent = wallet.account
      section.querySelector('.key-code').textContent = code
      result.hidden = false
      status.textContent = 'Your code is ready.'
      // The code as a QR code too, for the artist to scan, drawn here (a static site shows it as
      // well); upper case: QR's compact alphanumeric mode holds Bech32's characters.
      const qr = section.querySelector('.key-qr')
      qr.replaceChildren(qrSvg(code.toUpperCase(), 'Alphanumeric'))
      qr.hidden = false
      section.querySelector('.copy-code').onclick = async () => {
        try { await navigator.clipboard.writeText(code) } catch (err) { window.getSelection().selectAllChildren(section.querySelector('.key-code')) }
      }
    } catch (err) {
      status.textContent = err instanceof Refusal ? err.message.replace(', so nothing was sent.', '.') : `The key could not be made (${plain(err)}).`
    } finally {
      button.disabled = false
      picker.hidden = true
    }
  })
}

// The offer page's donate form: checks what a browser can of what `redeem --check-only` checks,
// seals the message to the donor's wallet-derived key, sends `redeem` with the donation, waits for
// the receipt and shows the token. Every refusal is one plain sentence, and nothing is sent.
import { formatEther, getAddress, parseEther, stringToHex } from 'viem'
import { Collection, mintedToken, redeemData, revertNameOf, tokenHex } from './contract.js'
import { offerSignerProblem } from './offer.js'
import { el, rpcReader } from './page.js'
import * as sealkey from './sealkey.js'
import { Refusal, Wallet, discover, listenForWallets, pick, plain, rejected } from './wallet.js'
import { showWalletApps } from './wallet-apps.js'
import { chainName } from './chains.js'

const ZERO = '0x0000000000000000000000000000000000000000'

const REVERTS = {
  VoucherAlreadyRedeemed: 'This offer was already redeemed, so nothing was sent.',
  VoucherAlreadyCanceled: 'The artist canceled this offer, so nothing was sent.',
  VoucherExpired: 'This offer has expired, so nothing was sent.',
  DonationTooLow: 'The donation is below the minimum, so nothing was sent.',
  SealedMessageNotFromRecipient: 'This offer is for another recipient: only they may attach a message, so nothing was sent.',
  VoucherSignerNotMinter: "The offer's signer may no longer mint in this collection, so nothing was sent.",
  InvalidVoucherSignature: "The offer's signature is not valid, so nothing was sent.",
  ImageAlreadyMinted: 'This artwork is already a token of this collection, so nothing was sent.',
}

function revertSentence (err) {
  const name = revertNameOf(err)
  if (!name) return null
  return REVERTS[name] || `The collection refused the donation (${name}), so nothing was sent.`
}

export function messageCounter (textarea, counter) {
  const update = () => {
    const size = new TextEncoder().encode(textarea.value).length
    counter.textContent = `${size} / ${sealkey.MAX_MESSAGE_BYTES} bytes`
    counter.dataset.over = String(size > sealkey.MAX_MESSAGE_BYTES)
  }
  textarea.addEventListener('input', update)
  update()
}

// The secret of the donor's wallet-derived key. The first time in this browser the wallet signs
// twice: only a deterministic signer gives the key back later.
export async function deriveSecret (wallet, config, storage = window.localStorage) {
  const text = sealkey.keyMessage({ donor: wallet.account, contract: config.contract, chainId: config.chainId })
  const marker = `provenance:deterministic:${config.chainId}:${config.contract}:${wallet.account}`
  const first = await wallet.personalSign(text)
  let known = false
  try { known = storage.getItem(marker) === '1' } catch (err) { /* storage disabled */ }
  if (!known) {
    const second = await wallet.personalSign(text)
    if (second.toLowerCase() !== first.toLowerCase()) {
      throw new Refusal("Your wallet signed the key message differently twice, so it could not open a sealed message later; nothing was sent (give your key with the command line instead, or donate without a message).")
    }
    try { storage.setItem(marker, '1') } catch (err) { /* storage disabled */ }
  }
  return sealkey.secretFromSignature(first)
}

async function checkOffer (offer, collection, read, wallet, config, { value, withMessage }) {
  const voucher = offer.voucher
  if (Number(offer.chain_id) !== config.chainId) {
    throw new Refusal(`This offer is for ${chainName(offer.chain_id)}, not this collection's ${chainName(config.chainId)}, so nothing was sent.`)
  }
  if (getAddress(offer.contract) !== getAddress(config.contract)) {
    throw new Refusal(`This offer is for the contract ${getAddress(offer.contract)}, not this collection (${getAddress(config.contract)}), so nothing was sent.`)
  }
  // Every read is sent at once (one round trip instead of several in turn); the answers are
  // still checked in this order, so the first refusal that applies is the one shown.
  const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error }))
  const take = async (pending) => { const got = await pending; if ('error' in got) throw got.error; return got.value }
  const reads = {
    chain: settle(read('eth_chainId')),
    state: settle(collection.voucherState(voucher)),
    latest: settle(read('eth_getBlockByNumber', ['latest', false])),
    signer: settle(offerSignerProblem(collection, offer)),
    minted: settle(collection.imageMinted(voucher.imageDigest)),
    balance: settle(wallet.request('eth_getBalance', [wallet.account, 'latest'])),
  }
  const readerChain = Number(BigInt(await take(reads.chain)))
  if (readerChain !== config.chainId) throw new Refusal(`The gallery reads ${chainName(readerChain)}, not ${chainName(config.chainId)}, so nothing was sent.`)
  const state = await take(reads.state)
  if (state === 'redeemed') throw new Refusal('This offer was already redeemed, so nothing was sent.')
  if (state === 'canceled') throw new Refusal('The artist canceled this offer, so nothing was sent.')
  const latest = await take(reads.latest)
  const now = Math.max(Number(BigInt(latest.timestamp)), Math.floor(Date.now() / 1000))
  if (BigInt(voucher.deadline) < BigInt(now)) throw new Refusal('This offer has expired, so nothing was sent.')
  const problem = await take(reads.signer)
  if (problem) throw new Refusal(`${problem[0].toUpperCase()}${problem.slice(1)}, so nothing was sent.`)
  if (await take(reads.minted)) throw new Refusal('This artwork is already a token of this collection, so nothing was sent.')
  if (value < BigInt(voucher.minDonation)) {
    throw new Refusal(`The donation of ${formatEther(value)} ETH is below the minimum of ${formatEther(BigInt(voucher.minDonation))} ETH, so nothing was sent.`)
  }
  if (withMessage && getAddress(voucher.recipient) !== ZERO && getAddress(voucher.recipient) !== wallet.account) {
    throw new Refusal(`This offer is for ${getAddress(voucher.recipient)}: only they may attach a message, and your wallet is ${wallet.account}, so nothing was sent.`)
  }
  const balance = BigInt(await take(reads.balance))
  if (balance < value) {
    throw new Refusal(`Your account holds ${formatEther(balance)} ETH, less than the donation of ${formatEther(value)} ETH, so nothing was sent.`)
  }
}

// Poll with back-off: a devnet mines in milliseconds, a real chain in seconds. Start at 5 ms,
// grow by half each time up to 1 s, give up after 5 minutes.
async function waitForReceipt (wallet, hash) {
  const deadline = Date.now() + 300000
  for (let pause = 5; Date.now() < deadline; pause = Math.min(pause * 1.5, 1000)) {
    const receipt = await wallet.request('eth_getTransactionReceipt', [hash])
    if (receipt) return receipt
    await new Promise((resolve) => setTimeout(resolve, pause))
  }
  throw new Refusal(`The transaction ${hash} was sent but not yet mined; check again later.`)
}

function parseAmount (text) {
  const clean = String(text).trim()
  if (!/^\d+(\.\d{1,18})?$/.test(clean)) throw new Refusal('Enter the donation in ETH, for example 0.05, so nothing was sent.')
  return parseEther(clean)
}

function finish (form, submit) {
  submit.disabled = true
  submit.textContent = 'Donated: the token is yours'
  for (const field of form.querySelectorAll('input, textarea')) field.readOnly = true
  form.dataset.state = 'done'
}

// The badge's check of the offer did not pass: say which part, and never call an outage a
// mismatch (a check that could not be made is no verdict on the artwork).
function checkRefusal ({ failed = [], unknowns = [] }) {
  const signature = failed.find((check) => check.name === 'signature')
  if (signature) return `${signature.detail[0].toUpperCase()}${signature.detail.slice(1)}, so nothing was sent.`
  if (failed.length > 0 || unknowns.length === 0) return 'The artwork does not match what the artist signed, so nothing was sent.'
  return 'The offer could not be checked right now (the chain or the gateway did not answer), so nothing was sent: try again later.'
}

export function setup (form, config, contentCheck) {
  const offer = JSON.parse(form.dataset.offer)
  const status = form.querySelector('[data-testid="donate-status"]')
  const picker = form.querySelector('.wallet-picker')
  const submit = form.querySelector('[data-testid="donate-submit"]')
  const textarea = form.querySelector('[data-testid="donate-message"]')
  messageCounter(textarea, form.querySelector('.counter'))
  const say = (text, state) => { status.textContent = text; status.dataset.state = state }
  listenForWallets()

  let done = false
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (done) return
    submit.disabled = true
    status.removeAttribute('data-token-id')
    try {
      const value = parseAmount(form.querySelector('[data-testid="donate-amount"]').value)
      const message = textarea.value
      const size = new TextEncoder().encode(message).length
      if (size > sealkey.MAX_MESSAGE_BYTES) throw new Refusal(`The message is ${size} bytes; at most ${sealkey.MAX_MESSAGE_BYTES} fit, so nothing was sent.`)
      if (value < BigInt(offer.voucher.minDonation)) {
        throw new Refusal(`The donation of ${formatEther(value)} ETH is below the minimum of ${formatEther(BigInt(offer.voucher.minDonation))} ETH, so nothing was sent.`)
      }
      say('Checking the artwork against the artist’s signed digests…', 'pending')
      const content = await contentCheck()
      if (!content.ok) throw new Refusal(checkRefusal(content))
      const wallets = await discover()
      if (wallets.length === 0) {
        showWalletApps(form)
        throw new Refusal('No browser wallet was found here, so nothing was sent: open this page in your wallet app.')
      }
      if (wallets.length > 1) say('Choose the wallet to donate with.', 'pending')
      const chosen = await pick(wallets, picker)
      const wallet = new Wallet(chosen.provider, chosen.info.name)
      say('Connecting your wallet…', 'pending')
      await wallet.connect()
      await wallet.ensureChain(config.chainId, config.walletRpcUrl)
      const read = rpcReader(config.rpcUrl)
      const collection = new Collection(read, config.contract)
      say(`Checking the offer on ${chainName(config.chainId)}…`, 'pending')
      await checkOffer(offer, collection, read, wallet, config, { value, withMessage: size > 0 })
      let sealed = '0x'
      if (size > 0) {
        say('Sign the key message in your wallet: it derives the key your message is sealed to.', 'pending')
        const secret = await deriveSecret(wallet, config)
        const envelope = sealkey.seal(sealkey.publicKeyOf(secret), message)
        secret.fill(0)
        sealed = stringToHex(sealkey.storedJson(envelope))
      }
      const tx = { from: wallet.account, to: collection.address, data: redeemData(offer.voucher, offer.signature, sealed), value: '0x' + value.toString(16) }
      try {
        await wallet.request('eth_call', [tx, 'latest'])
      } catch (err) {
        throw new Refusal(revertSentence(err) || `The collection would refuse this donation (${plain(err)}), so nothing was sent.`)
      }
      say('Confirm the donation in your wallet…', 'pending')
      let hash
      try {
        hash = await wallet.request('eth_sendTransaction', [tx])
      } catch (err) {
        if (rejected(err)) throw new Refusal('You declined the transaction, so nothing was sent.')
        throw new Refusal(revertSentence(err) || `Your wallet did not send the donation (${plain(err)}), so nothing was sent.`)
      }
      say('Waiting for the transaction to be mined…', 'pending')
      const receipt = await waitForReceipt(wallet, hash)
      if (receipt.status !== '0x1') throw new Refusal(`The transaction ${hash} failed on chain; the donation was not taken.`)
      const tokenId = mintedToken(receipt, collection.address)
      if (tokenId === null) throw new Refusal(`The transaction ${hash} minted no token of this collection.`)
      const hex = tokenHex(tokenId)
      status.replaceChildren(
        document.createTextNode(`Thank you: token ${hex.slice(2, 10)} is yours. `),
        el('a', { href: `../token.html?id=${hex}&block=${BigInt(receipt.blockNumber)}` }, 'See your token'))
      status.dataset.state = 'ok'
      status.setAttribute('data-token-id', tokenId.toString(10))
      done = true
    } catch (err) {
      if (err instanceof Refusal) say(err.message, 'refused')
      else say(`Something went wrong (${plain(err)}); nothing was sent unless your wallet says so.`, 'refused')
    } finally {
      picker.hidden = true
      // After a donation the form is done: the token is minted, the offer redeemed.
      if (done) finish(form, submit)
      else submit.disabled = false
    }
  })
}


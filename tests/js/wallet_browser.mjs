// A donor with a browser wallet, for real: Debian's Chromium (playwright-core) opens the gallery,
// and a real signing library (viem, in node) is the wallet. It is exposed to the page as an
// EIP-6963 provider through exposeBinding (like an extension, outside the page's CSP) and
// forwards every read to anvil; it signs with the private key given on stdin.
// stdin: {"anvil", "privateKey", "wallets"?: n, "behaviour"?: {...}, "profile", "steps": [...]}
// stdout: one JSON line {"results": [...], "requests": [...], "errors": [...], "walletCalls": [...]}
import { chromium } from 'playwright-core'
import { createWalletClient, http, hexToString } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { readQr } from './qr_read.mjs'

let input = ''
for await (const chunk of process.stdin) input += chunk
const scenario = JSON.parse(input)
let behaviour = scenario.behaviour || {}
const account = privateKeyToAccount(scenario.privateKey)
const walletCalls = []
let chainOverride = behaviour.chainId ? '0x' + behaviour.chainId.toString(16) : null
let signatures = 0

async function anvil (method, params) {
  const res = await fetch(scenario.anvil, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const body = await res.json()
  if (body.error) {
    const err = new Error(body.error.message)
    err.code = body.error.code
    err.data = body.error.data
    throw err
  }
  return body.result
}

function userRejected (what) {
  const err = new Error(`User rejected the ${what}`)
  err.code = 4001
  throw err
}

async function handle ({ method, params = [] }) {
  walletCalls.push(method)
  switch (method) {
    case 'eth_requestAccounts':
    case 'eth_accounts':
      if (behaviour.rejectConnect) userRejected('connection')
      return [account.address]
    case 'eth_chainId':
      return chainOverride || anvil('eth_chainId', [])
    case 'wallet_switchEthereumChain':
      if (behaviour.refuseSwitch) userRejected('chain switch')
      chainOverride = null
      return null
    case 'wallet_addEthereumChain':
      userRejected('new chain')
      break
    case 'personal_sign': {
      if (behaviour.rejectSign) userRejected('signature')
      signatures++
      if (behaviour.nondeterministic && signatures % 2 === 0) {
        // A wallet whose signatures are not deterministic: a different valid signature.
        const other = privateKeyToAccount('0x' + '11'.repeat(32))
        return other.signMessage({ message: { raw: params[0] } })
      }
      return account.signMessage({ message: { raw: params[0] } })
    }
    case 'eth_sendTransaction': {
      if (behaviour.rejectTx) userRejected('transaction')
      const chainId = Number(BigInt(await anvil('eth_chainId', [])))
      const client = createWalletClient({
        account, transport: http(scenario.anvil),
        chain: { id: chainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [scenario.anvil] } } },
      })
      const tx = params[0]
      return client.sendTransaction({ to: tx.to, data: tx.data, value: BigInt(tx.value || 0) })
    }
    default:
      return anvil(method, params)
  }
}

const context = await chromium.launchPersistentContext(scenario.profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
})
const requests = []
const errors = []
const results = []
try {
  await context.exposeBinding('__provenanceTestWallet', async (_source, request) => {
    try {
      return { ok: await handle(request) }
    } catch (err) {
      return { error: { code: err.code, message: err.message, data: err.data } }
    }
  })
  await context.addInitScript((count) => {
    const provider = {
      async request (request) {
        const answer = await window.__provenanceTestWallet(request)
        if (answer.error) {
          const err = new Error(answer.error.message)
          err.code = answer.error.code
          err.data = answer.error.data
          throw err
        }
        return answer.ok
      },
    }
    const announce = () => {
      for (let i = 0; i < count; i++) {
        window.dispatchEvent(new CustomEvent('eip6963:announceProvider', {
          detail: Object.freeze({
            info: { uuid: `00000000-0000-4000-8000-00000000000${i}`, name: i === 0 ? 'Test wallet (viem)' : `<b>Other</b> wallet ${i}`, icon: 'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"/>', rdns: `test.viem.${i}` },
            provider,
          }),
        }))
      }
    }
    window.addEventListener('eip6963:requestProvider', announce)
  }, scenario.wallets ?? 1)
  const page = await context.newPage()
  page.on('request', (r) => requests.push(r.url()))
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss() })

  const settle = async () => {
    await page.waitForFunction(() => {
      const badges = document.querySelectorAll('.badge')
      return [...badges].every((b) => b.dataset.state !== 'pending')
    }, null, { timeout: 60000 })
    return page.$$eval('.badge', (bs) => bs.map((b) => ({
      state: b.dataset.state,
      text: b.querySelector('.badge-text').textContent,
      details: [...b.querySelectorAll('.badge-details li')].map((li) => li.textContent),
    })))
  }

  for (const step of scenario.steps) {
    if (step.goto || step.follow) {
      await page.setViewportSize({ width: step.width || 1280, height: 900 })
      if (step.goto) await page.goto(step.goto, { waitUntil: 'load' })
      else await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(step.follow)])
      const badges = await settle()
      const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ src: i.getAttribute('src'), loaded: i.naturalWidth > 0 })))
      results.push({ badges, images, url: page.url(), title: await page.title(), text: await page.evaluate(() => document.body.innerText), scripts: await page.evaluate(() => window.__markupRan || null) })
    } else if (step.donate) {
      const d = step.donate
      await page.fill('[data-testid="donate-amount"]', d.amount)
      if (d.message !== undefined) await page.fill('[data-testid="donate-message"]', d.message)
      const counter = await page.textContent('.counter')
      const started = Date.now()
      await page.click('[data-testid="donate-submit"]')
      if (d.pick !== undefined) {
        await page.waitForSelector('[data-testid="wallet-option"]')
        const options = await page.$$eval('[data-testid="wallet-option"]', (bs) => bs.map((b) => b.textContent))
        results.push({ walletOptions: options })
        await page.click(`[data-testid="wallet-option"] >> nth=${d.pick}`)
      }
      await page.waitForFunction(() => {
        const s = document.querySelector('[data-testid="donate-status"]')
        return s.dataset.state === 'ok' || s.dataset.state === 'refused'
      }, null, { timeout: 120000 })
      const status = await page.$eval('[data-testid="donate-status"]', (s) => ({ state: s.dataset.state, text: s.textContent, tokenId: s.getAttribute('data-token-id'), link: s.querySelector('a') ? s.querySelector('a').href : null, submitDisabled: document.querySelector('[data-testid="donate-submit"]').disabled }))
      results.push({ ...status, counter, ms: Date.now() - started })
    } else if (step.read) {
      await page.click('[data-testid="read-message"]')
      await page.waitForFunction(() => {
        const out = document.querySelector('[data-testid="message-text"]')
        const status = document.querySelector('.message-status')
        return (out && !out.hidden && out.textContent) || (status && status.textContent && !/^Sign/.test(status.textContent))
      }, null, { timeout: 60000 })
      results.push({
        message: await page.$eval('[data-testid="message-text"]', (o) => o.hidden ? null : o.textContent),
        status: await page.textContent('.message-status'),
      })
    } else if (step.keycode) {
      // The donor's key page: connect, sign the key message, read the code shown.
      await page.click('[data-testid="key-connect"]')
      await page.waitForFunction(() => {
        const code = document.querySelector('[data-testid="key-code"]')
        const status = document.querySelector('.key-status')
        return (code && code.textContent) || (status && status.textContent && !/^Sign/.test(status.textContent))
      }, null, { timeout: 60000 })
      await page.waitForFunction(() => !document.querySelector('.key-qr').hidden, null, { timeout: 5000 }).catch(() => {})
      results.push({
        qr: await readQr(page, '.key-qr'),
        code: await page.textContent('[data-testid="key-code"]'),
        account: await page.textContent('.key-account'),
        status: await page.textContent('.key-status'),
      })
    } else if (step.deeplinks) {
      // A browser without a wallet: the page offers the wallet apps' own browsers.
      await page.waitForSelector('[data-testid="wallet-deeplink"]', { timeout: 10000 }).catch(() => {})
      results.push(await page.evaluate(() => ({
        links: [...document.querySelectorAll('[data-testid="wallet-deeplink"]')].map((a) => ({ href: a.href, text: a.textContent, visible: a.getBoundingClientRect().width > 0 })),
        copyLink: Boolean(document.querySelector('.wallet-apps:not([hidden]) .copy-link')),
        overflow: document.documentElement.scrollWidth > window.innerWidth,
      })))
    } else if (step.screenshot) {
      await page.setViewportSize({ width: step.width, height: 900 })
      await page.waitForTimeout(200)
      await page.screenshot({ path: step.screenshot, fullPage: true })
      results.push({ screenshot: step.screenshot })
    } else if (step.behave) {
      behaviour = step.behave
      chainOverride = behaviour.chainId ? '0x' + behaviour.chainId.toString(16) : null
      results.push({ behaving: behaviour })
    } else if (step.localStorageClear) {
      await page.evaluate(() => localStorage.clear())
      results.push({ cleared: true })
    }
  }
} catch (err) {
  errors.push('driver: ' + String(err && err.stack ? err.stack : err))
} finally {
  await context.close()
}
console.log(JSON.stringify({ results, requests, errors, walletCalls }))

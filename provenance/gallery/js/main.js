// The gallery pages' script: verification badges on every page, the stage and "Read the message" on
// a token page, the donate form on an offer page, the donor's key page; and, for a visitor whose
// browser has no wallet (a phone), links that open the page in a wallet app.
import * as badge from './badge.js'
import * as cards from './cards.js'
import * as donate from './donate.js'
import * as keypage from './keypage.js'
import * as message from './message.js'
import * as tokenPage from './tokenpage.js'
import { setupCopyButtons } from './living.js'
import { setupStage } from './stage.js'
import { discover } from './wallet.js'
import { showWalletApps } from './wallet-apps.js'

function start () {
  const config = badge.settings()
  setupCopyButtons()
  const token = document.querySelector('article[data-token-page]')
  if (token) tokenPage.setup(token)
  const runs = badge.start(config)
  cards.start(config)
  const form = document.querySelector('form.donate')
  if (form) {
    const offerBadge = document.querySelector('.badge[data-verify]')
    const first = runs[0] || Promise.resolve({ ok: false })
    // Donating waits for the badge's own check of the same bytes (re-run after "Check again").
    donate.setup(form, config, () => badge.verified.get(offerBadge) || first)
  }
  const section = document.querySelector('section.message[data-message]')
  if (section) message.setup(section, config)
  const stage = document.querySelector('[data-stage]')
  if (stage) setupStage(stage)
  const keySection = document.querySelector('[data-key-page]')
  if (keySection) keypage.setup(keySection, config)
  // Where a wallet would be needed, say at once when there is none, and offer the wallet apps.
  if (document.querySelector('.wallet-apps')) {
    discover().then((wallets) => { if (wallets.length === 0) showWalletApps() })
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()

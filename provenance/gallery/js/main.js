// The gallery's one script: verification badges on every page, the donate form on an offer page,
// "Read the message" on a token page.
import * as badge from './badge.js'
import * as donate from './donate.js'
import * as message from './message.js'
import * as tokenPage from './tokenpage.js'
import { setupCopyButtons } from './living.js'

function start () {
  const config = badge.settings()
  setupCopyButtons()
  const token = document.querySelector('article[data-token-page]')
  if (token) tokenPage.setup(token)
  const runs = badge.start(config)
  const form = document.querySelector('form.donate')
  if (form) {
    const offerBadge = document.querySelector('.badge[data-verify]')
    const first = runs[0] || Promise.resolve({ ok: false })
    // Donating waits for the badge's own check of the same bytes (re-run after "Check again").
    donate.setup(form, config, () => badge.verified.get(offerBadge) || first)
  }
  const section = document.querySelector('section.message[data-message]')
  if (section) message.setup(section, config)
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()

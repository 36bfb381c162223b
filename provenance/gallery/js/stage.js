// The work page's stage: one version of the work at a time (the live portrait, the minted
// animation, the still), the others one click away. Without this script every version is shown.
export function setupStage (stage) {
  const tabs = [...stage.querySelectorAll('.stage-tab')]
  const views = [...stage.querySelectorAll('.stage-view')]
  if (tabs.length < 2) return
  const show = (key) => {
    for (const view of views) view.hidden = view.dataset.view !== key
    for (const tab of tabs) tab.setAttribute('aria-selected', String(tab.dataset.view === key))
    stage.dataset.view = key
    // Media shown again resumes; hidden media pause (a phone's battery, a screen's CPU).
    for (const video of stage.querySelectorAll('video')) {
      if (video.closest('.stage-view').hidden) video.pause()
      else video.play().catch(() => {})
    }
  }
  for (const tab of tabs) tab.addEventListener('click', () => show(tab.dataset.view))
  stage.querySelector('.stage-tabs').hidden = false
  show(tabs[0].dataset.view)
}

// QR codes drawn in the browser (qrcode-generator, pinned): the screen draws the code of the work
// on show when it comes up, instead of the page carrying one drawn ahead for every work (5.5 ms
// and 2.8 KB each on the server: 55 s and 28 MB for a screen of 10,000 works); the key page draws
// the donor's key code (a static site shows it too).
import qrcode from 'qrcode-generator'

const SVG = 'http://www.w3.org/2000/svg'
const BORDER = 2 // modules of quiet zone (the screen's white plate adds to it)

// `text` as a QR code at error level M (as the server's segno drew it: 15% of the code may be
// covered or dirty), an <svg class="qr"> of black runs on white with a square viewBox, sized by
// CSS. Built as DOM nodes: nothing read from the page's data is parsed as markup.
export function qrSvg (text, mode = 'Byte') {
  const code = qrcode(0, 'M')
  code.addData(String(text), mode)
  code.make()
  const count = code.getModuleCount()
  const size = count + 2 * BORDER
  let path = ''
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (!code.isDark(row, col)) continue
      let run = 1
      while (col + run < count && code.isDark(row, col + run)) run++
      path += `M${col + BORDER} ${row + BORDER}h${run}v1h-${run}z`
      col += run - 1
    }
  }
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('class', 'qr')
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`)
  svg.setAttribute('shape-rendering', 'crispEdges')
  const plate = document.createElementNS(SVG, 'rect')
  plate.setAttribute('width', String(size))
  plate.setAttribute('height', String(size))
  plate.setAttribute('fill', '#fff')
  const modules = document.createElementNS(SVG, 'path')
  modules.setAttribute('d', path)
  modules.setAttribute('fill', '#000')
  svg.append(plate, modules)
  return svg
}

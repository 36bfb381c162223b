// The text of a QR code a page drew as SVG, read as a phone would: the SVG rasterised on a canvas
// in the page, the pixels decoded here by jsQR (an independent decoder). null when there is none.
import jsQRModule from 'jsqr'

const jsQR = jsQRModule.default || jsQRModule
const SIZE = 240

export async function readQr (page, selector) {
  const pixels = await page.evaluate(async ({ selector, size }) => {
    const svg = document.querySelector(`${selector} svg`)
    if (!svg || svg.closest('[hidden]')) return null
    const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' }))
    try {
      const image = new Image()
      image.src = url
      await image.decode()
      const canvas = document.createElement('canvas')
      canvas.width = canvas.height = size
      const context = canvas.getContext('2d')
      context.fillStyle = '#fff'
      context.fillRect(0, 0, size, size)
      context.drawImage(image, 0, 0, size, size)
      return Array.from(context.getImageData(0, 0, size, size).data)
    } finally {
      URL.revokeObjectURL(url)
    }
  }, { selector, size: SIZE })
  const read = pixels && jsQR(Uint8ClampedArray.from(pixels), SIZE, SIZE)
  return read ? read.data : null
}

// The Pinning Service API's reference mock (npm mock-ipfs-pinning-service), bound to loopback only
// (its own CLI listens on every interface). Requests are validated against the API's OpenAPI
// document, as the CLI does.
// usage: node pinning-service.cjs PORT TOKEN
const http = require('http')
const { setup } = require('mock-ipfs-pinning-service')

const [port, token] = process.argv.slice(2)
setup({ token, loglevel: 'error' }).then((service) => {
  http.createServer(service).listen(Number(port), '127.0.0.1', () => console.log('listening'))
})

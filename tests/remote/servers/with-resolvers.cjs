// js-ipfs 0.66.1's dependencies call Promise.withResolvers, which Node 22 has and Node 20 lacks.
// Loaded with NODE_OPTIONS=--require by tests/remote/conftest.py.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new this((a, b) => { resolve = a; reject = b })
    return { promise, resolve, reject }
  }
}

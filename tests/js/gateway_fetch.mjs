// Independent client of a trustless gateway: fetch /ipfs/CID as a CAR (Accept header or
// ?format=car) and as raw blocks, parse with @ipld/car, re-hash every block.
// usage: node gateway_fetch.mjs BASE_URL CID  -> JSON report on stdout
import { CarReader } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { equals } from 'multiformats/bytes'

const [base, cidText] = process.argv.slice(2)

async function ok (cid, bytes) {
  const digest = await sha256.digest(bytes)
  return equals(digest.bytes, cid.multihash.bytes)
}

const report = {}
for (const [label, url, accept] of [
  ['car_accept', `${base}/ipfs/${cidText}`, 'application/vnd.ipld.car'],
  ['car_query', `${base}/ipfs/${cidText}?format=car`, '*/*'],
]) {
  const res = await fetch(url, { headers: { accept } })
  const bytes = new Uint8Array(await res.arrayBuffer())
  const reader = await CarReader.fromBytes(bytes)
  const blocks = []
  for await (const { cid, bytes: b } of reader.blocks()) {
    blocks.push({ cid: cid.toString(), ok: await ok(cid, b) })
  }
  report[label] = {
    status: res.status,
    type: res.headers.get('content-type'),
    cors: res.headers.get('access-control-allow-origin'),
    roots: (await reader.getRoots()).map((c) => c.toString()),
    blocks,
  }
}
const cid = CID.parse(cidText)
const raw = await fetch(`${base}/ipfs/${cidText}`, { headers: { accept: 'application/vnd.ipld.raw' } })
report.raw = {
  status: raw.status,
  type: raw.headers.get('content-type'),
  ok: await ok(cid, new Uint8Array(await raw.arrayBuffer())),
}
process.stdout.write(JSON.stringify(report))

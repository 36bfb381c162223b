// Independent reference: @ipld/car.
//   node car_check.mjs read FILE        -> JSON {roots, blocks: [{cid, ok}]} (each block re-hashed)
//   node car_check.mjs write FILE < JSON {roots, blocks: [{cid, hex}]}  -> writes a CARv1
import { readFileSync, writeFileSync } from 'node:fs'
import { CarReader, CarWriter } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { equals } from 'multiformats/bytes'

const [mode, file] = process.argv.slice(2)

async function verify (cid, bytes) {
  const digest = await sha256.digest(bytes)
  return cid.multihash.code === sha256.code && equals(digest.bytes, cid.multihash.bytes)
}

if (mode === 'read') {
  const reader = await CarReader.fromBytes(readFileSync(file))
  const roots = (await reader.getRoots()).map((c) => c.toString())
  const blocks = []
  for await (const { cid, bytes } of reader.blocks()) {
    blocks.push({ cid: cid.toString(), ok: await verify(cid, bytes), size: bytes.length })
  }
  process.stdout.write(JSON.stringify({ roots, blocks }))
} else if (mode === 'write') {
  let input = ''
  for await (const chunk of process.stdin) input += chunk
  const spec = JSON.parse(input)
  const { writer, out } = CarWriter.create(spec.roots.map((r) => CID.parse(r)))
  const parts = []
  const collect = (async () => { for await (const p of out) parts.push(p) })()
  for (const b of spec.blocks) {
    await writer.put({ cid: CID.parse(b.cid), bytes: Buffer.from(b.hex, 'hex') })
  }
  await writer.close()
  await collect
  writeFileSync(file, Buffer.concat(parts))
} else {
  console.error('usage: car_check.mjs read|write FILE')
  process.exit(2)
}

// Independent reference: import files with js-ipfs' ipfs-unixfs-importer configured like Kubo.
// stdin: JSON list of cases {files: [{path, file?}], chunkSize, maxLinks, rawLeaves, cidVersion,
// wrap}; `file` is a path on disk (omitted for an empty directory). stdout: one root CID per line.
import { createReadStream } from 'node:fs'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { BlackHoleBlockstore } from 'blockstore-core/black-hole'

let input = ''
for await (const chunk of process.stdin) input += chunk
const cases = JSON.parse(input)

for (const c of cases) {
  const source = c.files.map((f) => (f.file === undefined
    ? { path: f.path }
    : { path: f.path, content: createReadStream(f.file) }))
  const options = {
    chunker: fixedSize({ chunkSize: c.chunkSize }),
    layout: balanced({ maxChildrenPerNode: c.maxLinks }),
    rawLeaves: c.rawLeaves,
    // Kubo's leaves without --raw-leaves are UnixFS *file* nodes.
    leafType: c.rawLeaves ? 'raw' : 'file',
    cidVersion: c.cidVersion,
    reduceSingleLeafToSelf: true,
    wrapWithDirectory: Boolean(c.wrap),
    // Kubo shards above 256 KiB of directory entries; these directories stay far below.
    shardSplitThresholdBytes: 262144,
  }
  let last
  for await (const entry of importer(source, new BlackHoleBlockstore(), options)) last = entry
  process.stdout.write(`${last.cid.toString()}\n`)
}

// A js-waku store client as packages/core/src/lib/store/store.ts
// (waku-org/js-waku @ 84a6ea69) runs it: protons codec, it-length-prefixed
// framing through it-pipe over a js-libp2p 2.8.11 stream, js-waku's
// pagination (next cursor = last message going forward, first going
// backward; stop on an empty page). js-waku's own node uses mplex, which
// go-libp2p does not speak, so this one uses yamux.
// Usage: node jswaku_store.mjs MULTIADDR PUBSUB_TOPIC CONTENT_TOPIC FORWARD(true|false) PAGE_SIZE
// Prints {"pages": n, "hashes": [hex…], "payloads": [hex…]}.
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import all from 'it-all'
import { Uint8ArrayList } from 'uint8arraylist'
import { StoreQueryRequest, StoreQueryResponse } from './dist/store_v3.mjs'

const [addr, pubsubTopic, contentTopic, fwd, size] = process.argv.slice(2)
const forward = fwd === 'true'
const node = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
const hex = (u) => Buffer.from(u).toString('hex')
const out = { pages: 0, hashes: [], payloads: [] }
let cursor
try {
  while (true) {
    const req = StoreQueryRequest.encode({
      requestId: crypto.randomUUID(), includeData: true, pubsubTopic, contentTopics: [contentTopic],
      messageHashes: [], paginationCursor: cursor, paginationForward: forward, paginationLimit: BigInt(size)
    })
    const stream = await node.dialProtocol(multiaddr(addr), '/vac/waku/store-query/3.0.0')
    const res = await pipe([req], lp.encode, stream, lp.decode, async (source) => await all(source))
    const bytes = new Uint8ArrayList()
    res.forEach((chunk) => bytes.append(chunk))
    const resp = StoreQueryResponse.decode(bytes)
    if (!resp.statusCode || resp.statusCode >= 300) throw new Error(`status ${resp.statusCode}: ${resp.statusDesc}`)
    if (!resp.messages || !resp.messages.length) break
    out.pages++
    const page = resp.messages.map((m) => [hex(m.messageHash), hex(m.message.payload)])
    if (forward) page.forEach(([h, p]) => { out.hashes.push(h); out.payloads.push(p) })
    else { out.hashes.unshift(...page.map((x) => x[0])); out.payloads.unshift(...page.map((x) => x[1])) }
    cursor = forward ? resp.messages[resp.messages.length - 1].messageHash : resp.messages[0].messageHash
  }
  console.log(JSON.stringify(out))
} finally {
  await node.stop()
}

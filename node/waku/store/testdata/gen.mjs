import { StoreQueryRequest, StoreQueryResponse } from './dist/store_v3.mjs'
const hex = (u) => Buffer.from(u).toString('hex')
const h = (b) => new Uint8Array(32).fill(b)
const out = {}
// 1. nwaku tests/waku_store/test_rpc_codec.nim "StoreQueryRequest protobuf codec" values, encoded by js-waku's protons codec
out.request_nwaku_test_values = hex(StoreQueryRequest.encode({
  requestId: '0', includeData: true, pubsubTopic: '/waku/2/rs/0/0',
  contentTopics: ['/waku/2/default-content/proto'], timeStart: 10n, timeEnd: 11n,
  messageHashes: [], paginationForward: true, paginationLimit: 20n }))
// 2. what js-waku StoreQueryRequest.create sends for a backward content query with a cursor
out.request_jswaku_backward_cursor = hex(StoreQueryRequest.encode({
  requestId: '2f1c8b6e-6a4e-4f0e-9d3a-0c5b7e8f9a10', includeData: true, pubsubTopic: '/waku/2/rs/1/0',
  contentTopics: ['/toychat/2/huilong/proto', '/app/1/chat/proto'], timeStart: 1700000000000000000n, timeEnd: -5n,
  messageHashes: [], paginationCursor: h(0xab), paginationForward: false, paginationLimit: 100n }))
// 3. presence (hash lookup) query: include_data false, two hashes
out.request_jswaku_hashes = hex(StoreQueryRequest.encode({
  requestId: 'r', includeData: false, contentTopics: [], messageHashes: [h(1), h(2)], paginationForward: false }))
// 4. response with one key-value and a cursor
out.response_jswaku = hex(StoreQueryResponse.encode({
  requestId: '1', statusCode: 200, statusDesc: "it's fine",
  messages: [{ messageHash: h(0x11), message: { payload: new TextEncoder().encode('TEST-PAYLOAD'), contentTopic: '/waku/2/default-content/proto', version: 0, timestamp: 1700000000123456789n, meta: new Uint8Array([1,2]) }, pubsubTopic: '/waku/2/rs/0/0' },
             { messageHash: h(0x22) }],
  paginationCursor: h(0x22) }))
console.log(JSON.stringify(out, null, 2))

// Regenerates jswaku_vectors.json with js-waku's own protobuf codecs
// (@waku/proto, protons). Usage:
//   node gen_jswaku.mjs /path/to/node_modules/@waku/proto/dist/index.js > jswaku_vectors.json
// "encoded": what js-waku's LightPushCore writes (packages/core/src/lib/light_push/
// push_rpc_v3.ts, push_rpc.ts), for Cairn to decode. "decoded": nwaku-style encodings
// (as Cairn writes them) and what js-waku reads from them.
const { proto_lightpush: pb } = await import(process.argv[2]);
const hex = (b) => Buffer.from(b).toString("hex");
const unhex = (s) => new Uint8Array(Buffer.from(s.replaceAll(" ", ""), "hex"));
const topic = "/waku/2/rs/1/0";
const msg = { payload: new Uint8Array([1, 2, 3]), contentTopic: "/a/1/b/proto", version: 0, timestamp: 1700000000000000000n };

const codecs = { Request: pb.LightPushRequestV3, Response: pb.LightPushResponseV3, PushRPC: pb.PushRpc };
const encoded = [
  ["Request", "v3 request", { requestId: "c0ffee", pubsubTopic: topic, message: msg }],
  ["Response", "v3 success", { requestId: "c0ffee", statusCode: 200, relayPeerCount: 3 }],
  ["PushRPC", "v2 request", { requestId: "c0ffee", request: { pubsubTopic: topic, message: msg } }],
  ["PushRPC", "v2 failure", { requestId: "c0ffee", response: { isSuccess: false, info: "not_published_to_any_peer" } }],
].map(([type, name, v]) => ({ type, name, hex: hex(codecs[type].encode(v)) }));

// Cairn's (nwaku's) encodings, as in rpc_test.go.
const decoded = [
  ["Response", "0a023031 50c801 6003"],
  ["Response", "0a023031 50f903 5a0178"],
  ["PushRPC", "0a023031 1a06 0801 12024f4b"],
  ["PushRPC", "0a00 1a05 0800 120178"],
].map(([type, h]) => ({ type, hex: h.replaceAll(" ", ""), js: codecs[type].decode(unhex(h)) }));

console.log(JSON.stringify({ encoded, decoded }, null, 2));

// Regenerates jswaku_vectors.json with js-waku's own protobuf codecs
// (@waku/proto, protons). Usage:
//   node gen_jswaku.mjs /path/to/node_modules/@waku/proto/dist/index.js > jswaku_vectors.json
// "encoded": what js-waku's FilterCore writes (packages/core/src/lib/filter/filter_rpc.ts),
// for Cairn to decode. "decoded": nwaku-style encodings (as Cairn writes them) and what
// js-waku reads from them.
const { proto_filter_v2: pb } = await import(process.argv[2]);
const hex = (b) => Buffer.from(b).toString("hex");
const unhex = (s) => new Uint8Array(Buffer.from(s.replaceAll(" ", ""), "hex"));
const T = pb.FilterSubscribeRequest.FilterSubscribeType;
const topic = "/waku/2/rs/1/0";
const ct = "/a/1/b/proto";
const msg = { payload: new Uint8Array([1, 2, 3]), contentTopic: ct, version: 0, timestamp: 1700000000000000000n };

const encoded = [
  ["SubscribeRequest", "subscribe", { requestId: "c0ffee", filterSubscribeType: T.SUBSCRIBE, pubsubTopic: topic, contentTopics: [ct, ct + "2"] }],
  ["SubscribeRequest", "ping", { requestId: "c0ffee", filterSubscribeType: T.SUBSCRIBER_PING, pubsubTopic: "", contentTopics: [] }],
  ["SubscribeRequest", "unsubscribe all", { requestId: "c0ffee", filterSubscribeType: T.UNSUBSCRIBE_ALL, pubsubTopic: topic, contentTopics: [] }],
  ["SubscribeResponse", "ok", { requestId: "c0ffee", statusCode: 200, statusDesc: "OK" }],
  ["MessagePush", "push", { wakuMessage: msg, pubsubTopic: topic }],
].map(([type, name, v]) => {
  const codec = type === "SubscribeRequest" ? pb.FilterSubscribeRequest : type === "SubscribeResponse" ? pb.FilterSubscribeResponse : pb.MessagePush;
  return { type, name, hex: hex(codec.encode(v)) };
});

// Cairn's (nwaku's) encodings, as in rpc_test.go.
const decoded = [
  ["SubscribeRequest", "0a023031 1001 520e2f77616b752f322f72732f312f30 5a0c2f612f312f622f70726f746f"],
  ["SubscribeRequest", "0a026162 1000"],
  ["SubscribeResponse", "0a023031 50c801 5a024f4b"],
  ["SubscribeResponse", "0a034e2f41 50ad03 5a00"],
].map(([type, h]) => {
  const codec = type === "SubscribeRequest" ? pb.FilterSubscribeRequest : pb.FilterSubscribeResponse;
  const v = codec.decode(unhex(h));
  if (type === "SubscribeRequest") v.filterSubscribeType = String(v.filterSubscribeType);
  return { type, hex: h.replaceAll(" ", ""), js: v };
});

console.log(JSON.stringify({ encoded, decoded }, null, 2));

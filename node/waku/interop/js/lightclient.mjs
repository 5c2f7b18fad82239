// lightclient.mjs drives two js-waku light nodes against one Cairn node:
// the first lightpushes a message, the second receives it through a filter
// subscription, and then a store query must return it. Usage:
//
//   node --import ./polyfill.mjs lightclient.mjs <cairn /ws multiaddr> <content topic> <payload text>
//
// It prints one JSON object on stdout and exits 0 when all three worked,
// 1 otherwise (the object then says which step failed).
import { createLightNode, Protocols } from "@waku/sdk";

const [addr, contentTopic, text] = process.argv.slice(2);
if (!addr || !contentTopic || !text) {
  console.error("usage: lightclient.mjs <multiaddr> <content topic> <payload>");
  process.exit(2);
}
const networkConfig = { clusterId: 1, numShardsInCluster: 8 };
const result = { step: "start" };
const fail = (step, err) => {
  result.step = step;
  result.error = String(err && err.stack ? err.stack : err);
  console.log(JSON.stringify(result));
  process.exit(1);
};
const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(what + ": timed out after " + ms + " ms")), ms))]);

const opts = { defaultBootstrap: false, networkConfig, libp2p: { filterMultiaddrs: false } };
let sender, receiver;
try {
  sender = await createLightNode(opts);
  receiver = await createLightNode(opts);
  await sender.start();
  await receiver.start();
  await sender.dial(addr);
  await receiver.dial(addr);
  await withTimeout(sender.waitForPeers([Protocols.LightPush, Protocols.Store]), 20000, "sender waitForPeers");
  await withTimeout(receiver.waitForPeers([Protocols.Filter]), 20000, "receiver waitForPeers");
} catch (e) {
  fail("connect", e);
}

// Encoders and decoders from the nodes themselves: they route the content
// topic to its autosharding shard of the network config.
const encoder = sender.createEncoder({ contentTopic });
const decoder = receiver.createDecoder({ contentTopic });
const storeDecoder = sender.createDecoder({ contentTopic });
result.pubsubTopic = encoder.pubsubTopic;

let gotFilter;
const filtered = new Promise((resolve) => { gotFilter = resolve; });
// Right after waitForPeers, js-waku's peer manager sometimes has not yet
// marked the node as a usable filter peer (it finds "0 qualifying peers"
// and subscribe returns false); its own refresh loop would try again, so
// the script retries the subscription a few times as an application would.
try {
  let ok = false;
  for (let attempt = 1; attempt <= 10 && !ok; attempt++) {
    ok = await withTimeout(receiver.filter.subscribe(decoder, (msg) => gotFilter(msg)), 20000, "filter subscribe");
    if (!ok) await new Promise((r) => setTimeout(r, 300));
    result.filterAttempts = attempt;
  }
  if (!ok) throw new Error("filter.subscribe returned false 10 times");
} catch (e) {
  fail("filter-subscribe", e);
}

const payload = new TextEncoder().encode(text);
try {
  const res = await withTimeout(sender.lightPush.send(encoder, { payload }), 20000, "lightpush");
  result.lightpush = { successes: res.successes.map(String), failures: res.failures.map((f) => String(f.error)) };
  if (res.successes.length === 0) throw new Error("lightpush had no success: " + JSON.stringify(result.lightpush));
} catch (e) {
  fail("lightpush", e);
}

try {
  const msg = await withTimeout(filtered, 20000, "filter push");
  result.filter = { payload: new TextDecoder().decode(msg.payload), contentTopic: msg.contentTopic, pubsubTopic: msg.pubsubTopic };
  if (result.filter.payload !== text) throw new Error("filter delivered another payload");
} catch (e) {
  fail("filter-receive", e);
}

try {
  const found = [];
  // The archive may lag the relay by a moment.
  for (let i = 0; i < 20 && found.length === 0; i++) {
    await sender.store.queryWithOrderedCallback([storeDecoder], (m) => { found.push(new TextDecoder().decode(m.payload)); });
    if (found.length === 0) await new Promise((r) => setTimeout(r, 250));
  }
  result.store = found;
  if (!found.includes(text)) throw new Error("store query did not return the message: " + JSON.stringify(found));
} catch (e) {
  fail("store", e);
}

result.step = "done";
console.log(JSON.stringify(result));
await Promise.allSettled([sender.stop(), receiver.stop()]);
process.exit(0);

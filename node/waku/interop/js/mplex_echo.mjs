// mplex_echo.mjs checks Cairn's mplex (node/p2p/mplex) against js-libp2p's
// @libp2p/mplex, the muxer js-waku uses: a js-libp2p node with WebSockets,
// Noise and mplex only dials the given multiaddr, pings it with
// /ipfs/ping/1.0.0, and sends a payload through /cairn/mplex-echo/1.0.0
// (the peer must echo it and close). Usage:
//
//   node --import ./polyfill.mjs mplex_echo.mjs <ws multiaddr with /p2p/ID> [payload bytes]
//
// It prints one JSON object on stdout and exits 0 when all worked, 1
// otherwise (the object then says which step failed).
import { noise } from "@chainsafe/libp2p-noise";
import { mplex } from "@libp2p/mplex";
import { ping } from "@libp2p/ping";
import { webSockets } from "@libp2p/websockets";
import { all as filterAll } from "@libp2p/websockets/filters";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";

const [addr, sizeArg] = process.argv.slice(2);
if (!addr) {
  console.error("usage: mplex_echo.mjs <multiaddr> [payload bytes]");
  process.exit(2);
}
const size = Number(sizeArg ?? 3 * 1024 * 1024 + 7);
const echoProtocol = "/cairn/mplex-echo/1.0.0";
const result = { step: "start" };
let node;
// fail prints the result and exits at once, so no later step runs.
const fail = (step, err) => {
  result.step = step;
  result.error = String(err && err.stack ? err.stack : err);
  console.log(JSON.stringify(result));
  process.exit(1);
};
const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(what + ": timed out after " + ms + " ms")), ms))]);

try {
  node = await createLibp2p({
    transports: [webSockets({ filter: filterAll })],
    connectionEncrypters: [noise()],
    streamMuxers: [mplex()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { ping: ping() },
  });
} catch (e) {
  fail("create", e);
}

let conn;
try {
  conn = await withTimeout(node.dial(multiaddr(addr)), 10000, "dial");
  result.muxer = conn.multiplexer;
  result.peer = conn.remotePeer.toString();
} catch (e) {
  fail("dial", e);
}

try {
  result.pingMs = await withTimeout(node.services.ping.ping(multiaddr(addr)), 10000, "ping");
} catch (e) {
  fail("ping", e);
}

try {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
  const stream = await withTimeout(conn.newStream(echoProtocol), 10000, "open echo stream");
  // Write and read at once: js-libp2p resets a stream whose unread data
  // passes 4 MiB.
  const sent = stream.sink((async function* () {
    // Chunks of 1.5 MiB: mplex splits them into frames of its 1 MiB maximum.
    const chunk = 1536 * 1024;
    for (let off = 0; off < size; off += chunk) yield payload.subarray(off, Math.min(size, off + chunk));
  })());
  const chunks = [];
  let received = 0;
  const read = (async () => {
    for await (const chunk of stream.source) {
      const b = chunk.subarray();
      chunks.push(b);
      received += b.length;
    }
  })();
  await withTimeout(Promise.all([sent, read]), 20000, "echo");
  const got = new Uint8Array(received);
  let off = 0;
  for (const c of chunks) { got.set(c, off); off += c.length; }
  let equal = received === size;
  for (let i = 0; equal && i < size; i++) equal = got[i] === payload[i];
  result.echo = { sent: size, received, equal };
  await stream.close();
  if (!equal) throw new Error("echo returned other bytes: " + JSON.stringify(result.echo));
} catch (e) {
  fail("echo", e);
}

result.step = "done";
result.ok = true;
console.log(JSON.stringify(result));
await node.stop();
process.exit(0);

// zerokit.mjs runs zerokit's RLN v2 (the npm build @waku/zerokit-rln-wasm
// 0.2.1, the zerokit that js-waku uses) on JSON requests. Usage:
//
//   node zerokit.mjs <path to rln_final.zkey> < request.json
//       one request, one JSON object on stdout (the interop tests);
//   node zerokit.mjs <path to rln_final.zkey> --serve
//       newline-delimited requests on stdin, one JSON line answered for
//       each, in order, until stdin closes (the bench keeps one process).
//       The first line printed is {"ready":true}, once the key is loaded.
//
// Requests:
//   {"op":"verify","verify_input_hex":"…","roots_hex":["…", …]}
//       -> {"valid": true|false} or {"error": "…"} (zerokit throws on some
//          tampered proofs; that is reported as an error, exit 0)
//   {"op":"prove","witness_dec":["1", …],"serialized_witness_hex":"…","iterations":N}
//       -> {"proof_hex":"…","ms_per_proof":F}: zerokit's Groth16 prover on a
//          witness computed elsewhere, timed over N runs after one warm-up.
//          In serve mode there is no warm-up, and witness_dec and
//          serialized_witness_hex may be left out to reuse the loaded ones.
//   {"op":"load","witness_dec":[…],"serialized_witness_hex":"…"} (serve mode)
//       -> {"ok":true}: keeps the witness for later "prove" requests, so
//          that a timed prove sends no witness.
// A request that fails answers {"error":"…"}; an unknown op in one-shot
// mode exits 2.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import init, * as rln from "@waku/zerokit-rln-wasm";

const hex = (s) => Uint8Array.from(Buffer.from(s, "hex"));
const zkeyPath = process.argv[2];
const serve = process.argv[3] === "--serve";
if (!zkeyPath) {
  console.error("usage: zerokit.mjs <rln_final.zkey> [--serve] < request.json");
  process.exit(2);
}
const wasmURL = new URL("./node_modules/@waku/zerokit-rln-wasm/rln_wasm_bg.wasm", import.meta.url);
await init({ module_or_path: readFileSync(wasmURL) });
const ctx = rln.newRLN(readFileSync(zkeyPath));

// loaded is the witness of the last "load" request (serve mode).
let loaded = null;

function parseWitness(req) {
  return { witness: req.witness_dec.map((d) => BigInt(d)), serialized: hex(req.serialized_witness_hex) };
}

// handle answers one request; it returns null for an unknown op.
function handle(req) {
  const out = {};
  if (req.op === "verify") {
    const roots = Buffer.concat((req.roots_hex || []).map((r) => Buffer.from(r, "hex")));
    try {
      out.valid = rln.verifyWithRoots(ctx, hex(req.verify_input_hex), Uint8Array.from(roots));
    } catch (e) {
      out.error = String(e);
    }
  } else if (req.op === "load") {
    loaded = parseWitness(req);
    out.ok = true;
  } else if (req.op === "prove") {
    const w = req.witness_dec ? parseWitness(req) : loaded;
    if (!w) return { error: "prove: no witness (send witness_dec and serialized_witness_hex, or load one first)" };
    let proof = serve ? null : rln.generateRLNProofWithWitness(ctx, w.witness, w.serialized);
    const n = Math.max(1, req.iterations | 0);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) proof = rln.generateRLNProofWithWitness(ctx, w.witness, w.serialized);
    out.ms_per_proof = Number(process.hrtime.bigint() - t0) / 1e6 / n;
    out.proof_hex = Buffer.from(proof).toString("hex");
  } else {
    return null;
  }
  return out;
}

if (serve) {
  console.log(JSON.stringify({ ready: true }));
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line.trim() === "") continue;
    let out;
    try {
      const req = JSON.parse(line);
      out = handle(req) ?? { error: "unknown op " + JSON.stringify(req.op) };
    } catch (e) {
      out = { error: String(e) };
    }
    console.log(JSON.stringify(out));
  }
} else {
  const req = JSON.parse(readFileSync(0, "utf8"));
  const out = handle(req);
  if (out === null) {
    console.error("unknown op " + JSON.stringify(req.op));
    process.exit(2);
  }
  console.log(JSON.stringify(out));
}

// zerokit.mjs runs zerokit's RLN v2 (the npm build @waku/zerokit-rln-wasm
// 0.2.1, the zerokit that js-waku uses) on requests read as one JSON object
// from stdin, and prints one JSON object on stdout. Usage:
//
//   node zerokit.mjs <path to rln_final.zkey> < request.json
//
// Requests:
//   {"op":"verify","verify_input_hex":"…","roots_hex":["…", …]}
//       -> {"valid": true|false} or {"error": "…"} (zerokit throws on some
//          tampered proofs; that is reported as an error, exit 0)
//   {"op":"prove","witness_dec":["1", …],"serialized_witness_hex":"…","iterations":N}
//       -> {"proof_hex":"…","ms_per_proof":F}: zerokit's Groth16 prover on a
//          witness computed elsewhere, timed over N runs after one warm-up.
import { readFileSync } from "node:fs";
import init, * as rln from "@waku/zerokit-rln-wasm";

const hex = (s) => Uint8Array.from(Buffer.from(s, "hex"));
const zkeyPath = process.argv[2];
if (!zkeyPath) {
  console.error("usage: zerokit.mjs <rln_final.zkey> < request.json");
  process.exit(2);
}
const wasmURL = new URL("./node_modules/@waku/zerokit-rln-wasm/rln_wasm_bg.wasm", import.meta.url);
await init({ module_or_path: readFileSync(wasmURL) });
const ctx = rln.newRLN(readFileSync(zkeyPath));
const req = JSON.parse(readFileSync(0, "utf8"));

const out = {};
if (req.op === "verify") {
  const roots = Buffer.concat((req.roots_hex || []).map((r) => Buffer.from(r, "hex")));
  try {
    out.valid = rln.verifyWithRoots(ctx, hex(req.verify_input_hex), Uint8Array.from(roots));
  } catch (e) {
    out.error = String(e);
  }
} else if (req.op === "prove") {
  const witness = req.witness_dec.map((d) => BigInt(d));
  const serialized = hex(req.serialized_witness_hex);
  let proof = rln.generateRLNProofWithWitness(ctx, witness, serialized);
  const n = Math.max(1, req.iterations | 0);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) proof = rln.generateRLNProofWithWitness(ctx, witness, serialized);
  out.ms_per_proof = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  out.proof_hex = Buffer.from(proof).toString("hex");
} else {
  console.error("unknown op " + JSON.stringify(req.op));
  process.exit(2);
}
console.log(JSON.stringify(out));

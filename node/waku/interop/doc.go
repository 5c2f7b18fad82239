// Package interop holds Cairn's interoperability tests against independent
// Waku and RLN implementations run as subprocesses: js-waku light clients
// (npm @waku/sdk) that lightpush, filter and query a Cairn node over
// WebSocket, and zerokit's RLN (npm @waku/zerokit-rln-wasm 0.2.1, the v2
// build) verifying proofs that Cairn made. The JavaScript side lives in
// js/, pinned by its package-lock.json; `.ci/run` installs it with npm ci.
//
// Every test runs on loopback only. When js/node_modules is missing the
// tests skip with the command that installs it, except under CI=true,
// where a missing install is a failure.
package interop

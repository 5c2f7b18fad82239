// Package wasmwitness runs a circom 2 wasm witness calculator (such as
// zerokit's rln.wasm or upstream's storage-proof proof_main.wasm) under
// wazero. It is the independent reference that tests compare against: the
// pure-Go witness graph evaluator (node/relay/rln/witness) and the RLN
// Groth16 prover check themselves on rln.wasm, and the storage-proof tests
// run upstream's proof_main.wasm on the witnesses Cairn builds. Production
// code does not use it, and the 2.4 MB rln.wasm is never embedded: callers
// read it from disk (see [Locate]).
//
// # Usage
//
//	path, err := wasmwitness.Locate()
//	if err != nil {
//		t.Skip(err) // rln.wasm is not in this checkout
//	}
//	wasm, err := os.ReadFile(path)
//	...
//	w, err := wasmwitness.Calculate(wasm, map[string][]fr.Element{
//		"identitySecret": {secret}, "pathElements": path[:], ...})
//
// For many witnesses, compile once with [New] and call
// [Calculator.Calculate].
//
// # Runtime protocol
//
// The module follows the runtime API of circom 2's generated
// witness_calculator.js (iden3/circom
// code_producers/src/wasm_elements/common/witness_calculator.js): it imports
// runtime.exceptionHandler(code), runtime.printErrorMessage,
// runtime.writeBufferMessage and runtime.showSharedRWMemory, and exports
// getFieldNumLen32, getRawPrime, init, getInputSignalSize(hMSB, hLSB),
// getInputSize, setInputSignal(hMSB, hLSB, i), getWitnessSize, getWitness(i),
// getMessageChar and read/writeSharedRWMemory(j). A signal is addressed by the
// 64-bit FNV-1a hash of its name, split into two 32-bit halves; a field
// element crosses the boundary as n32 32-bit words in the shared memory,
// least significant word first. The circuit runs as soon as the last input is
// set; an assert that fails there is reported as an error (see [ErrAssert]).
package wasmwitness

// Package witness computes the witness of the RLN v2 circuit in pure Go by
// evaluating its witness graph (graph.bin), the data-only description of the
// witness computation that zerokit's native witness calculator evaluates.
// The result is the vector that the Groth16 prover multiplies with the
// proving key, identical wire for wire to what circom's wasm witness
// calculator (rln.wasm) produces.
//
// # Usage
//
//	g, err := witness.Default() // the embedded zerokit v2.0.2 graph, parsed once
//	if err != nil {
//		return err
//	}
//	w, err := g.Calculate(map[string][]fr.Element{
//		"identitySecret":    {secret},
//		"userMessageLimit":  {limit},
//		"messageId":         {id},
//		"pathElements":      siblings[:],  // 20 values
//		"identityPathIndex": indexBits[:], // 20 values, 0 or 1, LSB first
//		"x":                 {x},
//		"externalNullifier": {extNullifier},
//	})
//	// w[0] = 1, w[1..3] = y, root, nullifier (the outputs), w[4..5] = x,
//	// externalNullifier, then the private wires; len(w) == g.NumWires().
//
// # Format
//
// graph.bin is the iden3 circom-witnesscalc graph ("wtns.graph.001"), as
// written by zerokit v2.0.2 rln/src/circuit/iden3calc/storage.rs and
// described by iden3/circom-witnesscalc protos/messages.proto:
//
//	"wtns.graph.001"                   14 bytes of magic
//	node count                         uint64 little-endian
//	node × count                       varint length + protobuf Node
//	metadata                           varint length + protobuf GraphMetadata
//	metadata offset                    uint64 little-endian, where the metadata's length starts
//
// A Node is a oneof of Input{idx} (a position in the input buffer, whose
// position 0 is the constant 1), Constant{BigUInt{value_le}} (little-endian,
// read mod r), UnoOp{op, a}, DuoOp{op, a, b} and TresOp{op, a, b, c}, whose
// operands are indices of earlier nodes, so node order is a topological
// order. GraphMetadata holds witness_signals (the node of each witness wire)
// and inputs (signal name -> offset and length in the input buffer).
//
// # Operations
//
// Each operation works as in zerokit's evaluator (iden3calc/graph.rs):
// Add, Sub, Mul, Neg are field operations; Div is field division with
// a/0 = 0; Pow, Idiv and Mod act on the canonical integers (b = 0 gives 0
// for Idiv and Mod); Eq, Neq, Land, Lor and TernCond (a ? b : c) compare
// with zero; Lt, Gt, Leq and Geq compare signed values, reading a value
// above (r-1)/2 as negative; Shr and Shl shift the canonical value (a shift
// of 0 returns a, of 254 or more returns 0; Shl drops bits above 255 and
// fails if the result is not below r); Band, Bor and Bxor combine the
// canonical values bit by bit and subtract r once if the result exceeds r
// (a result equal to r fails). Id returns its operand. Failing operations
// give [ErrEval]. The RLN graph uses only Add, Sub, Mul, Shr and Band
// (Poseidon is expanded into field operations).
//
// # Asserts
//
// The graph holds no asserts: for inputs that violate the circuit's
// constraints it still computes a witness, one that no proof can be made
// from. For the RLN v2 circuit, Calculate checks the asserts that circom's
// wasm calculator would stop on (path index bits, messageId range) and
// returns [ErrUnsatisfied]; for other graphs the caller must check.
package witness

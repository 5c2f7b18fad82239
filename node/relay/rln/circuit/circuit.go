// Package circuit embeds the RLN v2 circuit files that Cairn proves with, so
// an offline box can make proofs: the snarkjs proving key (rln_final.zkey)
// and the circom-witness-rs witness graph (graph.bin), both exactly as
// zerokit ships them (see SOURCE.md for origin, licence and digests).
//
// The byte slices returned here are shared: callers must not modify them.
package circuit

import _ "embed"

// The digests of the embedded files, as listed in SOURCE.md.
const (
	// GraphSHA256 is the sha256 of graph.bin (zerokit v2.0.2).
	GraphSHA256 = "eaf1868e27b22c7deb6da8a253300c99effcfa417f807ef7105d3fb8628d1c54"
	// ZKeySHA256 is the sha256 of rln_final.zkey (zerokit v0.8.0).
	ZKeySHA256 = "ae30d3d4b29d9dab8c65ff181644a3eb57c2c0fa9f687ea3baf8c7f711d7946a"
)

//go:embed graph.bin
var graph []byte

//go:embed rln_final.zkey
var zkey []byte

// Graph returns graph.bin, the witness graph of the RLN v2 circuit. The
// slice is shared; do not modify it.
func Graph() []byte { return graph }

// ZKey returns rln_final.zkey, the snarkjs Groth16 proving key of the RLN
// v2 circuit. The slice is shared; do not modify it.
func ZKey() []byte { return zkey }

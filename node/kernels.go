package node

// The kernel packages register their backends with accel.Register from
// init; linking them here makes them routable in every binary that runs a
// node (and in `cairn accel info`). The node wires implementations (style
// guide §3): other packages receive the accel interfaces.
import (
	_ "github.com/cairn-node/cairn/accel/decompress"
	_ "github.com/cairn-node/cairn/accel/erasure"
	_ "github.com/cairn-node/cairn/accel/groth16verify"
	_ "github.com/cairn-node/cairn/accel/merkle"
	_ "github.com/cairn-node/cairn/accel/msm"
	_ "github.com/cairn-node/cairn/accel/ntt"
	_ "github.com/cairn-node/cairn/accel/poseidon2"
	_ "github.com/cairn-node/cairn/accel/sha256x"
	_ "github.com/cairn-node/cairn/accel/sigbatch"
)

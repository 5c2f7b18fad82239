package accel

// Field selects the Galois field and matrix construction of an [Erasure] code.
type Field int

const (
	// FieldLeopard follows the field choice of the C leopard library that
	// Logos Storage links (leo_encode): K == 1 copies the data shard, M == 1
	// XORs the data shards, otherwise m = nextPow2(M), n = nextPow2(m+K) and
	// the code works in GF(2^8) when n <= 256, else GF(2^16). Parity is byte
	// for byte what the C library writes. It is the zero value and the
	// default, because it is what the storage layer needs.
	FieldLeopard Field = iota
	// FieldClassic is a systematic Vandermonde code over GF(2^8); K+M <= 256.
	FieldClassic
	// FieldLeopardGF8 forces the Leopard GF(2^8) code; K+M <= 256.
	FieldLeopardGF8
	// FieldLeopardGF16 forces the Leopard GF(2^16) code; K+M <= 65536.
	FieldLeopardGF16
)

// String returns the name used in configs and benchmark records.
func (f Field) String() string {
	switch f {
	case FieldLeopard:
		return "leopard"
	case FieldClassic:
		return "classic"
	case FieldLeopardGF8:
		return "leopard-gf8"
	case FieldLeopardGF16:
		return "leopard-gf16"
	}
	return "unknown"
}

// ErasureParams describes a Reed-Solomon code: K data shards protected by M
// parity shards.
type ErasureParams struct {
	// DataShards is K, at least 1.
	DataShards int
	// ParityShards is M, at least 0.
	ParityShards int
	// Field picks the code; the zero value is FieldLeopard.
	Field Field
}

// Erasure is a Reed-Solomon code with fixed parameters.
//
// Shards are passed as a slice of K+M byte slices: data shards first, then
// parity. All present shards must have the same length; Leopard codes need a
// multiple of 64 bytes. The caller owns every buffer; methods never retain
// them after returning. An Erasure is safe for concurrent use.
type Erasure interface {
	// Backend reports which implementation computes the code.
	Backend() Backend
	// Params returns the code parameters.
	Params() ErasureParams
	// Encode computes the M parity shards from the K data shards and writes
	// them into shards[K:], whose slices must already have the data length.
	// It returns an error wrapping ErrShardSize for mismatched lengths.
	Encode(shards [][]byte) error
	// Verify reports whether the parity shards match the data shards.
	Verify(shards [][]byte) (bool, error)
	// Reconstruct fills every missing shard (nil or zero length) in place:
	// a missing shard's slice is reused when its capacity holds the shard
	// length, and allocated otherwise. It returns an error wrapping ErrTooFewShards
	// when more than M shards are missing.
	Reconstruct(shards [][]byte) error
}

// SHA256 hashes many blocks at once.
type SHA256 interface {
	// Backend reports which implementation computes the hashes.
	Backend() Backend
	// SumBlocks writes the SHA-256 digest of blocks[i] into out[i]. len(out)
	// must equal len(blocks). Blocks may have any length, including zero.
	// It is safe for concurrent use; it does not retain the slices.
	SumBlocks(out [][32]byte, blocks [][]byte) error
}

// Fr is an element of the BN254 scalar field in its canonical encoding:
// 32 bytes, little-endian, value below the modulus
// r = 21888242871839275222246405745257275088548364400416034343698204186575808495617.
// Little-endian is the byte order of nim-poseidon2 and the Logos Storage
// proof inputs.
type Fr [32]byte

// Poseidon2 is the Poseidon2 permutation over BN254 used by the storage
// proofs: state width t = 3, S-box x^5, 8 full and 56 partial rounds,
// HorizenLabs matrices and round constants.
//
// Methods are safe for concurrent use and do not retain their arguments.
// Inputs that are not canonical field elements give an error wrapping
// ErrInvalidElement.
type Poseidon2 interface {
	// Backend reports which implementation computes the permutation.
	Backend() Backend
	// Permute applies the permutation to each state in place.
	Permute(states [][3]Fr) error
	// Compress writes out[i] = permutation(left[i], right[i], key)[0]: the
	// keyed 2-to-1 compression of the Logos Storage Merkle trees. The three
	// slices must have equal lengths.
	Compress(out, left, right []Fr, key uint64) error
	// Sponge hashes field elements with the rate-2 sponge (IV 2^64 + 0x0302,
	// 10* padding) and returns the first state element.
	Sponge(elems []Fr) (Fr, error)
}

package auth

import (
	"crypto/subtle"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes: OWASP's minimum (19 MiB, 2 passes),
// which a Raspberry Pi computes in well under a second. Stored hashes
// keep their own parameters, so these can grow later.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// passwordHash is an argon2id hash with its parameters.
type passwordHash struct {
	Algo    string `json:"algo"` // "argon2id"
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memory_kib"`
	Threads uint8  `json:"threads"`
	Salt    []byte `json:"salt"`
	Hash    []byte `json:"hash"`
}

func hashPassword(pw string) passwordHash {
	salt := randomBytes(argonSaltLen)
	return passwordHash{
		Algo: "argon2id", Time: argonTime, Memory: argonMemory, Threads: argonThreads,
		Salt: salt,
		Hash: argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen),
	}
}

// verify reports whether pw matches, in constant time.
func (h passwordHash) verify(pw string) bool {
	if h.Algo != "argon2id" || h.Time == 0 || h.Memory == 0 || h.Threads == 0 || len(h.Hash) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), h.Salt, h.Time, h.Memory, h.Threads, uint32(len(h.Hash)))
	return subtle.ConstantTimeCompare(got, h.Hash) == 1
}

// String hides the hash from logs.
func (h passwordHash) String() string {
	return fmt.Sprintf("argon2id(t=%d, m=%d KiB)", h.Time, h.Memory)
}

package circuit

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestDigests(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"graph.bin", Graph(), GraphSHA256},
		{"rln_final.zkey", ZKey(), ZKeySHA256},
	} {
		sum := sha256.Sum256(c.data)
		if got := hex.EncodeToString(sum[:]); got != c.want {
			t.Errorf("%s: sha256 %s, want %s (the embedded file was changed; restore it from zerokit, see SOURCE.md)", c.name, got, c.want)
		}
	}
}

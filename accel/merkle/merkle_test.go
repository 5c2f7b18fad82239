package merkle_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/acceltest"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/accel/sha256x"
)

func TestConformance(t *testing.T) {
	for _, b := range accel.Backends {
		t.Run(string(b), func(t *testing.T) { acceltest.RunMerkle(t, b) })
	}
}

// TestStorageVectors rebuilds the dataset trees of testdata/storage-vectors.json
// (Logos Storage datasets, see testdata/SOURCE) from their block digests.
func TestStorageVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/storage-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Cases []struct {
			Name   string   `json:"name"`
			Blocks []string `json:"block_sha256_hex"`
			Root   string   `json:"tree_root_hex"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, b := range acceltest.CPUBackends() {
		h, err := sha256x.New(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range v.Cases {
			leaves := make([][32]byte, len(c.Blocks))
			for i, s := range c.Blocks {
				d, err := hex.DecodeString(s)
				if err != nil || len(d) != 32 {
					t.Fatalf("%s: bad leaf %q", c.Name, s)
				}
				copy(leaves[i][:], d)
			}
			tree, err := merkle.Build(leaves, merkle.SHA256(h))
			if err != nil {
				t.Fatal(err)
			}
			if root := tree.Root(); hex.EncodeToString(root[:]) != c.Root {
				t.Errorf("%s/%s: root = %x, upstream %s", b, c.Name, root, c.Root)
			}
		}
	}
}

// TestProofs checks every proof of every tree up to 40 leaves, and that a
// proof fails for a wrong leaf, index or root.
func TestProofs(t *testing.T) {
	h, _ := sha256x.New(accel.Go)
	c := merkle.SHA256(h)
	for n := 1; n <= 40; n++ {
		leaves := make([][32]byte, n)
		for i := range leaves {
			leaves[i][0], leaves[i][1] = byte(i), byte(n)
		}
		tree, err := merkle.Build(leaves, c)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			path, err := tree.Proof(i)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := merkle.Verify(c, leaves[i], i, n, path, tree.Root()); !ok || err != nil {
				t.Fatalf("Verify(n=%d, i=%d) = %v, %v, want true", n, i, ok, err)
			}
			wrong := leaves[i]
			wrong[31] ^= 1
			if ok, _ := merkle.Verify(c, wrong, i, n, path, tree.Root()); ok {
				t.Fatalf("Verify(n=%d, i=%d, wrong leaf) = true", n, i)
			}
			if n > 1 {
				if ok, _ := merkle.Verify(c, leaves[i], (i+1)%n, n, path, tree.Root()); ok && leaves[i] != leaves[(i+1)%n] {
					t.Fatalf("Verify(n=%d, leaf %d at index %d) = true", n, i, (i+1)%n)
				}
			}
		}
		if _, err := tree.Proof(n); err == nil {
			t.Fatalf("Proof(%d) of %d leaves: no error", n, n)
		}
	}
}

func TestNoLeaves(t *testing.T) {
	h, _ := sha256x.New(accel.Go)
	if _, err := merkle.Build(nil, merkle.SHA256(h)); !errors.Is(err, merkle.ErrNoLeaves) {
		t.Fatalf("Build(nil) = %v, want ErrNoLeaves", err)
	}
}

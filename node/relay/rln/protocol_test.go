package rln_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// feJSON is an upstream field element: little-endian hex and decimal.
type feJSON struct {
	LEHex string `json:"le_hex"`
	Dec   string `json:"dec"`
}

type protocolVectors struct {
	Tree struct {
		Depth   int `json:"depth"`
		Members []struct {
			Index            uint64 `json:"index"`
			IDCommitment     feJSON `json:"id_commitment"`
			UserMessageLimit uint64 `json:"user_message_limit"`
			RateCommitment   feJSON `json:"rate_commitment"`
		} `json:"members"`
		Root feJSON `json:"root"`
	} `json:"tree"`
	Vectors []struct {
		ID       string `json:"id"`
		Identity struct {
			Trapdoor     feJSON `json:"identity_trapdoor"`
			Nullifier    feJSON `json:"identity_nullifier"`
			SecretHash   feJSON `json:"identity_secret_hash"`
			IDCommitment feJSON `json:"id_commitment"`
		} `json:"identity"`
		UserMessageLimit  uint64   `json:"user_message_limit"`
		RateCommitment    feJSON   `json:"rate_commitment"`
		LeafIndex         uint64   `json:"leaf_index"`
		MessageID         uint64   `json:"message_id"`
		MerkleRoot        feJSON   `json:"merkle_root"`
		PathElements      []feJSON `json:"path_elements"`
		IdentityPathIndex []uint8  `json:"identity_path_index"`
		Epoch             struct {
			Number     uint64 `json:"number"`
			Bytes32Hex string `json:"bytes32_hex"`
		} `json:"epoch"`
		RLNIdentifier struct {
			UTF8       string `json:"utf8"`
			Bytes32Hex string `json:"bytes32_hex"`
		} `json:"rln_identifier"`
		ExternalNullifier feJSON `json:"external_nullifier"`
		SignalHex         string `json:"signal_hex"`
		X                 feJSON `json:"x"`
		Y                 feJSON `json:"y"`
		Nullifier         feJSON `json:"nullifier"`
		A1                feJSON `json:"a1"`
	} `json:"vectors"`
}

func loadProtocolVectors(t testing.TB) *protocolVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/protocol-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v protocolVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("parse protocol-vectors.json: %v", err)
	}
	if len(v.Vectors) == 0 || len(v.Tree.Members) == 0 {
		t.Fatal("protocol-vectors.json has no vectors")
	}
	return &v
}

// fe decodes an upstream field element and checks that its two encodings agree.
func fe(t testing.TB, j feJSON) fr.Element {
	t.Helper()
	b, err := hex.DecodeString(j.LEHex)
	if err != nil || len(b) != rln.FieldSize {
		t.Fatalf("bad le_hex %q: %v", j.LEHex, err)
	}
	e, err := rln.DecodeField(b)
	if err != nil {
		t.Fatalf("DecodeField(%s): %v", j.LEHex, err)
	}
	d, ok := new(big.Int).SetString(j.Dec, 10)
	if !ok {
		t.Fatalf("bad dec %q", j.Dec)
	}
	var de fr.Element
	de.SetBigInt(d)
	if !de.Equal(&e) {
		t.Fatalf("le_hex %s and dec %s differ", j.LEHex, j.Dec)
	}
	return e
}

func feDec(t testing.TB, s string) fr.Element {
	t.Helper()
	d, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("bad decimal %q", s)
	}
	var e fr.Element
	e.SetBigInt(d)
	return e
}

func TestPoseidonKnownAnswers(t *testing.T) {
	// circomlib test/poseidoncircuit.js and iden3 go-iden3-crypto poseidon_test.go.
	one, two := feDec(t, "1"), feDec(t, "2")
	tests := []struct {
		name string
		in   []fr.Element
		want string
	}{
		{"[1]", []fr.Element{one}, "18586133768512220936620570745912940619677854269274689475585506675881198879027"},
		{"[1,2]", []fr.Element{one, two}, "7853200120776062878684798364095072458815029376092732009249414926327459813530"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rln.Poseidon(tt.in...)
			if err != nil {
				t.Fatal(err)
			}
			if want := feDec(t, tt.want); !got.Equal(&want) {
				t.Errorf("Poseidon%s = %s, want %s", tt.name, got.String(), tt.want)
			}
		})
	}
}

func TestPoseidonArity(t *testing.T) {
	for _, n := range []int{0, rln.MaxPoseidonInputs + 1} {
		if _, err := rln.Poseidon(make([]fr.Element, n)...); !errors.Is(err, rln.ErrPoseidonInputs) {
			t.Errorf("Poseidon(%d inputs) error = %v, want ErrPoseidonInputs", n, err)
		}
	}
	if _, err := rln.Poseidon(make([]fr.Element, rln.MaxPoseidonInputs)...); err != nil {
		t.Errorf("Poseidon(%d inputs) error = %v, want nil", rln.MaxPoseidonInputs, err)
	}
}

func TestIdentityVectors(t *testing.T) {
	v := loadProtocolVectors(t)
	for _, vec := range v.Vectors {
		t.Run(vec.ID, func(t *testing.T) {
			id := rln.NewIdentity(fe(t, vec.Identity.Trapdoor), fe(t, vec.Identity.Nullifier))
			if want := fe(t, vec.Identity.SecretHash); !id.SecretHash.Equal(&want) {
				t.Errorf("NewIdentity().SecretHash = %s, want %s", id.SecretHash.String(), want.String())
			}
			if want := fe(t, vec.Identity.IDCommitment); !id.Commitment.Equal(&want) {
				t.Errorf("NewIdentity().Commitment = %s, want %s", id.Commitment.String(), want.String())
			}
			rc := rln.RateCommitment(id.Commitment, vec.UserMessageLimit)
			if want := fe(t, vec.RateCommitment); !rc.Equal(&want) {
				t.Errorf("RateCommitment(%s, %d) = %s, want %s", id.Commitment.String(), vec.UserMessageLimit, rc.String(), want.String())
			}
		})
	}
}

func TestRateCommitmentMembers(t *testing.T) {
	v := loadProtocolVectors(t)
	for _, m := range v.Tree.Members {
		got := rln.RateCommitment(fe(t, m.IDCommitment), m.UserMessageLimit)
		if want := fe(t, m.RateCommitment); !got.Equal(&want) {
			t.Errorf("RateCommitment(member %d, %d) = %s, want %s", m.Index, m.UserMessageLimit, got.String(), want.String())
		}
	}
}

func TestGenerateIdentity(t *testing.T) {
	a, err := rln.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	b, err := rln.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if a.SecretHash.Equal(&b.SecretHash) {
		t.Error("GenerateIdentity() twice gave the same secret")
	}
	if again := rln.NewIdentity(a.Trapdoor, a.Nullifier); again != a {
		t.Errorf("NewIdentity(GenerateIdentity() trapdoor, nullifier) = %+v, want %+v", again, a)
	}
}

func TestExternalNullifierVectors(t *testing.T) {
	v := loadProtocolVectors(t)
	for _, vec := range v.Vectors {
		t.Run(vec.ID, func(t *testing.T) {
			eb := rln.EpochBytes(vec.Epoch.Number)
			if got := hex.EncodeToString(eb[:]); got != vec.Epoch.Bytes32Hex {
				t.Errorf("EpochBytes(%d) = %s, want %s", vec.Epoch.Number, got, vec.Epoch.Bytes32Hex)
			}
			epoch := rln.EpochField(vec.Epoch.Number)
			if e, err := rln.DecodeField(eb[:]); err != nil || !e.Equal(&epoch) {
				t.Errorf("EpochField(%d) = %s, want EpochBytes read LE = %s (%v)", vec.Epoch.Number, epoch.String(), e.String(), err)
			}
			if vec.RLNIdentifier.UTF8 != rln.DefaultRLNIdentifier {
				t.Errorf("vector rln_identifier = %q, want DefaultRLNIdentifier %q", vec.RLNIdentifier.UTF8, rln.DefaultRLNIdentifier)
			}
			id, err := rln.RLNIdentifierField(vec.RLNIdentifier.UTF8)
			if err != nil {
				t.Fatalf("RLNIdentifierField(%q): %v", vec.RLNIdentifier.UTF8, err)
			}
			var idb [rln.FieldSize]byte
			fr.LittleEndian.PutElement(&idb, id)
			if got := hex.EncodeToString(idb[:]); got != vec.RLNIdentifier.Bytes32Hex {
				t.Errorf("RLNIdentifierField(%q) LE = %s, want %s", vec.RLNIdentifier.UTF8, got, vec.RLNIdentifier.Bytes32Hex)
			}
			got := rln.ExternalNullifier(epoch, id)
			if want := fe(t, vec.ExternalNullifier); !got.Equal(&want) {
				t.Errorf("ExternalNullifier(%d, %q) = %s, want %s", vec.Epoch.Number, vec.RLNIdentifier.UTF8, got.String(), want.String())
			}
		})
	}
}

func TestRLNIdentifierFieldErrors(t *testing.T) {
	for _, id := range []string{
		string(make([]byte, 33)),
		"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", // >= r
	} {
		if _, err := rln.RLNIdentifierField(id); !errors.Is(err, rln.ErrRLNIdentifier) {
			t.Errorf("RLNIdentifierField(%d bytes) error = %v, want ErrRLNIdentifier", len(id), err)
		}
	}
}

func TestSharesVectors(t *testing.T) {
	v := loadProtocolVectors(t)
	for _, vec := range v.Vectors {
		t.Run(vec.ID, func(t *testing.T) {
			signal, err := hex.DecodeString(vec.SignalHex)
			if err != nil {
				t.Fatal(err)
			}
			x := rln.SignalX(signal)
			if want := fe(t, vec.X); !x.Equal(&want) {
				t.Fatalf("SignalX(%s) = %s, want %s", vec.SignalHex, x.String(), want.String())
			}
			secret := fe(t, vec.Identity.SecretHash)
			y, nullifier, a1 := rln.Shares(secret, fe(t, vec.ExternalNullifier), vec.MessageID, x)
			for _, c := range []struct {
				name string
				got  fr.Element
				want feJSON
			}{{"y", y, vec.Y}, {"nullifier", nullifier, vec.Nullifier}, {"a1", a1, vec.A1}} {
				if want := fe(t, c.want); !c.got.Equal(&want) {
					t.Errorf("Shares(msgid %d) %s = %s, want %s", vec.MessageID, c.name, c.got.String(), want.String())
				}
			}
		})
	}
}

func TestRecoverSecret(t *testing.T) {
	v := loadProtocolVectors(t)
	vec := v.Vectors[0]
	secret := fe(t, vec.Identity.SecretHash)
	extNull := fe(t, vec.ExternalNullifier)
	x1 := rln.SignalX([]byte("first message"))
	x2 := rln.SignalX([]byte("second message"))
	y1, n1, _ := rln.Shares(secret, extNull, vec.MessageID, x1)
	y2, n2, _ := rln.Shares(secret, extNull, vec.MessageID, x2)
	if !n1.Equal(&n2) {
		t.Fatal("Shares with the same epoch and message id gave different nullifiers")
	}
	got, err := rln.RecoverSecret(x1, y1, x2, y2)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(&secret) {
		t.Errorf("RecoverSecret = %s, want %s", got.String(), secret.String())
	}
	if _, err := rln.RecoverSecret(x1, y1, x1, y1); !errors.Is(err, rln.ErrSameShareX) {
		t.Errorf("RecoverSecret(same x) error = %v, want ErrSameShareX", err)
	}
}

func TestMerkleRootFromPathVectors(t *testing.T) {
	v := loadProtocolVectors(t)
	for _, vec := range v.Vectors {
		t.Run(vec.ID, func(t *testing.T) {
			path := make([]fr.Element, len(vec.PathElements))
			for i := range path {
				path[i] = fe(t, vec.PathElements[i])
			}
			for i, bit := range vec.IdentityPathIndex {
				if want := uint8(vec.LeafIndex >> i & 1); bit != want {
					t.Errorf("identity_path_index[%d] = %d, want bit %d of %d = %d", i, bit, i, vec.LeafIndex, want)
				}
			}
			got, err := rln.MerkleRootFromPath(fe(t, vec.RateCommitment), path, vec.IdentityPathIndex)
			if err != nil {
				t.Fatal(err)
			}
			if want := fe(t, vec.MerkleRoot); !got.Equal(&want) {
				t.Errorf("MerkleRootFromPath = %s, want %s", got.String(), want.String())
			}
		})
	}
}

func TestMerkleRootFromPathErrors(t *testing.T) {
	if _, err := rln.MerkleRootFromPath(fr.Element{}, make([]fr.Element, 2), make([]uint8, 1)); !errors.Is(err, rln.ErrMerklePath) {
		t.Errorf("MerkleRootFromPath(length mismatch) error = %v, want ErrMerklePath", err)
	}
	if _, err := rln.MerkleRootFromPath(fr.Element{}, make([]fr.Element, 1), []uint8{2}); !errors.Is(err, rln.ErrMerklePath) {
		t.Errorf("MerkleRootFromPath(bit 2) error = %v, want ErrMerklePath", err)
	}
}

func TestTreeVectors(t *testing.T) {
	v := loadProtocolVectors(t)
	if v.Tree.Depth != rln.TreeDepth {
		t.Fatalf("vector tree depth = %d, want %d", v.Tree.Depth, rln.TreeDepth)
	}
	tree := rln.NewTree()
	for _, m := range v.Tree.Members {
		if err := tree.Set(m.Index, fe(t, m.RateCommitment)); err != nil {
			t.Fatal(err)
		}
	}
	root := tree.Root()
	if want := fe(t, v.Tree.Root); !root.Equal(&want) {
		t.Fatalf("Tree.Root() = %s, want %s", root.String(), want.String())
	}
	for _, vec := range v.Vectors {
		t.Run(vec.ID, func(t *testing.T) {
			p, err := tree.Proof(vec.LeafIndex)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.PathElements) != len(vec.PathElements) {
				t.Fatalf("Proof(%d) has %d elements, want %d", vec.LeafIndex, len(p.PathElements), len(vec.PathElements))
			}
			for i := range p.PathElements {
				if want := fe(t, vec.PathElements[i]); !p.PathElements[i].Equal(&want) {
					t.Errorf("Proof(%d).PathElements[%d] = %s, want %s", vec.LeafIndex, i, p.PathElements[i].String(), want.String())
				}
				if p.PathIndex[i] != vec.IdentityPathIndex[i] {
					t.Errorf("Proof(%d).PathIndex[%d] = %d, want %d", vec.LeafIndex, i, p.PathIndex[i], vec.IdentityPathIndex[i])
				}
			}
			leaf, err := tree.Leaf(vec.LeafIndex)
			if err != nil {
				t.Fatal(err)
			}
			if want := fe(t, vec.RateCommitment); !leaf.Equal(&want) {
				t.Errorf("Leaf(%d) = %s, want %s", vec.LeafIndex, leaf.String(), want.String())
			}
		})
	}
}

func TestTreeSetDeleteAndProofs(t *testing.T) {
	tree := rln.NewTree()
	empty := tree.Root()
	// The empty root is leaf 0 hashed up a path of empty subtrees.
	p0, err := tree.Proof(0)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := rln.MerkleRootFromPath(fr.Element{}, p0.PathElements, p0.PathIndex); !r.Equal(&empty) {
		t.Errorf("empty tree: MerkleRootFromPath(Proof(0)) = %s, want Root %s", r.String(), empty.String())
	}
	indices := []uint64{0, 1, 2, 5, 1000, rln.Capacity - 1}
	for i, idx := range indices {
		var leaf fr.Element
		leaf.SetUint64(uint64(i) + 7)
		if err := tree.Set(idx, leaf); err != nil {
			t.Fatal(err)
		}
	}
	root := tree.Root()
	for i, idx := range indices {
		p, err := tree.Proof(idx)
		if err != nil {
			t.Fatal(err)
		}
		var leaf fr.Element
		leaf.SetUint64(uint64(i) + 7)
		if r, err := rln.MerkleRootFromPath(leaf, p.PathElements, p.PathIndex); err != nil || !r.Equal(&root) {
			t.Errorf("MerkleRootFromPath(leaf %d, Proof(%d)) = %s, %v; want Root %s", idx, idx, r.String(), err, root.String())
		}
	}
	for _, idx := range indices {
		if err := tree.Set(idx, fr.Element{}); err != nil {
			t.Fatal(err)
		}
	}
	if r := tree.Root(); !r.Equal(&empty) {
		t.Errorf("after deleting every leaf Root() = %s, want empty root %s", r.String(), empty.String())
	}
	if err := tree.Set(rln.Capacity, fr.Element{}); !errors.Is(err, rln.ErrLeafIndex) {
		t.Errorf("Set(Capacity) error = %v, want ErrLeafIndex", err)
	}
	if _, err := tree.Proof(rln.Capacity); !errors.Is(err, rln.ErrLeafIndex) {
		t.Errorf("Proof(Capacity) error = %v, want ErrLeafIndex", err)
	}
	if _, err := tree.Leaf(rln.Capacity); !errors.Is(err, rln.ErrLeafIndex) {
		t.Errorf("Leaf(Capacity) error = %v, want ErrLeafIndex", err)
	}
}

func BenchmarkPoseidon2(b *testing.B) {
	var x, y fr.Element
	x.SetUint64(1)
	y.SetUint64(2)
	for b.Loop() {
		if _, err := rln.Poseidon(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTreeSet(b *testing.B) {
	tree := rln.NewTree()
	var leaf fr.Element
	leaf.SetUint64(42)
	i := uint64(0)
	for b.Loop() {
		if err := tree.Set(i%rln.Capacity, leaf); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// TestSetLeavesMatchesSet builds the same tree leaf by leaf and in one
// batch (with a repeated index and a deletion) and compares roots and paths.
func TestSetLeavesMatchesSet(t *testing.T) {
	one, batch := rln.NewTree(), rln.NewTree()
	var leaves []rln.Leaf
	for i := uint64(0); i < 300; i++ {
		var v fr.Element
		v.SetUint64(1000 + i)
		idx := i
		if i >= 200 {
			idx = 5000 + 37*i // sparse
		}
		leaves = append(leaves, rln.Leaf{Index: idx, Value: v})
	}
	var seven fr.Element
	seven.SetUint64(7)
	leaves = append(leaves, rln.Leaf{Index: 3, Value: seven}, rln.Leaf{Index: 4}) // overwrite, delete
	for _, l := range leaves {
		if err := one.Set(l.Index, l.Value); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.SetLeaves(leaves); err != nil {
		t.Fatal(err)
	}
	if a, b := one.Root(), batch.Root(); !a.Equal(&b) {
		t.Fatalf("SetLeaves root %s, Set root %s", b.String(), a.String())
	}
	for _, i := range []uint64{0, 3, 4, 199, 5000 + 37*250} {
		p1, _ := one.Proof(i)
		p2, _ := batch.Proof(i)
		for h := range p1.PathElements {
			if !p1.PathElements[h].Equal(&p2.PathElements[h]) {
				t.Fatalf("leaf %d: paths differ at height %d", i, h)
			}
		}
	}
	if err := batch.SetLeaves([]rln.Leaf{{Index: rln.Capacity}}); !errors.Is(err, rln.ErrLeafIndex) {
		t.Errorf("SetLeaves beyond capacity = %v, want ErrLeafIndex", err)
	}
}

func BenchmarkSetLeaves10k(b *testing.B) {
	leaves := make([]rln.Leaf, 10000)
	for i := range leaves {
		leaves[i].Index = uint64(i)
		leaves[i].Value.SetUint64(uint64(i) + 1)
	}
	for b.Loop() {
		if err := rln.NewTree().SetLeaves(leaves); err != nil {
			b.Fatal(err)
		}
	}
}

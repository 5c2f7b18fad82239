package membership_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/membership"
)

func TestLoadStaticFile(t *testing.T) {
	g := newGroup(t)
	if err := membership.LoadStaticFile(g, "testdata/members.json"); err != nil {
		t.Fatal(err)
	}
	var rMinus1 fr.Element
	rMinus1.SetString("21888242871839275222246405745257275088548364400416034343698204186575808495616")
	want := rln.NewTree()
	for _, m := range []struct {
		index uint64
		id    fr.Element
		limit uint64
	}{{0, elem(1), 20}, {1, elem(2), 100}, {10, elem(42), 1}, {11, rMinus1, 5}} {
		if err := want.Set(m.index, rln.RateCommitment(m.id, m.limit)); err != nil {
			t.Fatal(err)
		}
		if i, ok := g.IndexOf(rln.RateCommitment(m.id, m.limit)); !ok || i != m.index {
			t.Errorf("IndexOf(member at %d) = %d, %v", m.index, i, ok)
		}
	}
	if got, w := g.Root(), want.Root(); !got.Equal(&w) {
		t.Errorf("Root() = %s, want %s", got.String(), w.String())
	}
	if n := len(g.Roots()); n != 1 {
		t.Errorf("loading the file accepted %d roots, want 1", n)
	}
}

func TestParseStaticErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"not json", `members: []`, "line 1"},
		{"not an object", `[]`, `{"members": [`},
		{"other key", `{"people": []}`, "unexpected key people"},
		{"bad hex", "{\"members\": [\n{\"id_commitment\": \"0x1\", \"user_message_limit\": 1},\n{\"id_commitment\": \"0xzz\", \"user_message_limit\": 1}]}", "member 2 (line 3): id_commitment"},
		{"above r", `{"members": [{"id_commitment": "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001", "user_message_limit": 1}]}`, "not below the BN254 scalar field modulus"},
		{"zero id", `{"members": [{"id_commitment": "0", "user_message_limit": 1}]}`, "id_commitment is 0"},
		{"missing id", `{"members": [{"user_message_limit": 1}]}`, "id_commitment is missing"},
		{"missing limit", "{\"members\": [\n\n{\"id_commitment\": \"7\"}]}", "member 1 (line 3): user_message_limit is missing"},
		{"negative limit", "{\"members\": [\n{\"id_commitment\": \"7\",\n \"user_message_limit\": -1}]}", "line 3: user_message_limit has the wrong type"},
		{"unknown field", `{"members": [{"id_commitment": "7", "user_message_limit": 1, "idx": 2}]}`, `unknown field "idx"`},
		{"duplicate index", `{"members": [{"id_commitment": "7", "user_message_limit": 1, "index": 4}, {"id_commitment": "8", "user_message_limit": 1, "index": 4}]}`, "member 2 (line 1): index 4 is already taken by member 1"},
		{"duplicate id", `{"members": [{"id_commitment": "7", "user_message_limit": 1}, {"id_commitment": "0x7", "user_message_limit": 2}]}`, "is already member 1"},
		{"index too large", `{"members": [{"id_commitment": "7", "user_message_limit": 1, "index": 1048576}]}`, "beyond the tree"},
		{"truncated", `{"members": [{"id_commitment": "7", "user_message_limit": 1}`, "ends in the middle"},
		{"trailing", `{"members": []} {}`, "unexpected content after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := membership.ParseStatic(strings.NewReader(tc.file))
			if !errors.Is(err, membership.ErrStaticFile) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseStatic error = %v, want ErrStaticFile mentioning %q", err, tc.want)
			}
		})
	}
}

func TestLoadStaticFileNamesThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(`{"members": [{"id_commitment": "x", "user_message_limit": 1}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := membership.LoadStaticFile(newGroup(t), path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "member 1") {
		t.Errorf("LoadStaticFile error = %v, want one naming %s and member 1", err, path)
	}
}

func TestParseField(t *testing.T) {
	for _, s := range []string{"", "0x", "-1", "+1", " 1", "1 ", "0x" + strings.Repeat("0", 65), "1e3"} {
		if _, err := membership.ParseField(s); !errors.Is(err, membership.ErrField) {
			t.Errorf("ParseField(%q) error = %v, want ErrField", s, err)
		}
	}
	e, err := membership.ParseField("0X2A")
	if err != nil || !e.Equal(ptr(elem(42))) {
		t.Errorf("ParseField(0X2A) = %s, %v; want 42", e.String(), err)
	}
	if got := membership.FormatField(elem(42)); got != "0x"+strings.Repeat("0", 62)+"2a" {
		t.Errorf("FormatField(42) = %s", got)
	}
}

func FuzzParseStatic(f *testing.F) {
	seed, err := os.ReadFile("testdata/members.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"members": []}`))
	f.Add([]byte(`{"members": [{"id_commitment": "7", "user_message_limit": 1, "index": 4}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := membership.ParseStatic(strings.NewReader(string(b)))
		if err != nil {
			if !errors.Is(err, membership.ErrStaticFile) {
				t.Errorf("error %v does not wrap ErrStaticFile", err)
			}
			return
		}
		seen := map[uint64]bool{}
		for _, m := range ms {
			if m.Index >= rln.Capacity || seen[m.Index] || m.RateCommitment.IsZero() {
				t.Fatalf("ParseStatic accepted member %+v", m)
			}
			seen[m.Index] = true
		}
		g, err := membership.NewGroup()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Apply(ms); err != nil {
			t.Fatalf("Apply(parsed members): %v", err)
		}
	})
}

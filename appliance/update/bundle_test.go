package update_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/appliance/update"
)

// testKey returns a deterministic key pair for seed.
func testKey(t testing.TB, seed byte) (ed25519.PrivateKey, ed25519.PublicKey) {
	t.Helper()
	sk := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	return sk, sk.Public().(ed25519.PublicKey)
}

// testBundle packs a small bundle for board.
func testBundle(t testing.TB, sk ed25519.PrivateKey, board, release string) []byte {
	t.Helper()
	var b bytes.Buffer
	err := update.Pack(&b, sk, board, release, map[string][]byte{
		update.PartKernel: []byte("kernel of " + release), update.PartInitrd: []byte("initrd of " + release)})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBundleRoundTrip(t *testing.T) {
	sk, pub := testKey(t, 1)
	data := testBundle(t, sk, "qemu-x86_64", "r1")
	b, err := update.Decode(bytes.NewReader(data), pub, "qemu-x86_64")
	if err != nil {
		t.Fatalf("Decode() = %v", err)
	}
	if b.Manifest.Board != "qemu-x86_64" || b.Manifest.Release != "r1" || string(b.Files[update.PartKernel]) != "kernel of r1" ||
		string(b.Files[update.PartInitrd]) != "initrd of r1" {
		t.Errorf("Decode() = %+v", b)
	}
}

func TestBundleRejects(t *testing.T) {
	sk, pub := testKey(t, 1)
	_, otherPub := testKey(t, 2)
	data := testBundle(t, sk, "qemu-x86_64", "r1")
	flip := func(i int) []byte {
		d := bytes.Clone(data)
		d[i] ^= 1
		return d
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		pub   ed25519.PublicKey
		board string
		want  error
	}{
		{"other key", data, otherPub, "", update.ErrSignature},
		{"manifest altered", flip(20), pub, "", update.ErrSignature},
		{"signature altered", flip(len(data) - 24 - 10), pub, "", update.ErrSignature}, // parts are 24 bytes
		{"kernel altered", flip(len(data) - 20), pub, "", update.ErrCorrupt},
		{"truncated", data[:len(data)-1], pub, "", update.ErrCorrupt},
		{"not a bundle", []byte("MZ\x90\x00 a kernel, not a bundle"), pub, "", update.ErrCorrupt},
		{"empty", nil, pub, "", update.ErrCorrupt},
		{"other board", data, pub, "qemu-arm64", update.ErrBoard},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := update.Decode(bytes.NewReader(tc.data), tc.pub, tc.board)
			if !errors.Is(err, tc.want) {
				t.Errorf("Decode(%s) = %v, want %v", tc.name, err, tc.want)
			}
		})
	}
}

func TestKeyPEM(t *testing.T) {
	privPEM, pubPEM, err := update.GenerateKey(rand.NewChaCha8([32]byte{7}))
	if err != nil {
		t.Fatal(err)
	}
	sk, err := update.ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatalf("ParsePrivateKey() = %v", err)
	}
	pub, err := update.ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatalf("ParsePublicKey() = %v", err)
	}
	if _, err := update.Decode(bytes.NewReader(testBundle(t, sk, "b", "r")), pub, ""); err != nil {
		t.Errorf("a bundle signed with the parsed private key does not verify with the parsed public key: %v", err)
	}
	if _, err := update.ParsePublicKey(privPEM); err == nil {
		t.Error("ParsePublicKey(private key PEM) = nil error")
	}
	if _, err := update.ParsePrivateKey(pubPEM); err == nil {
		t.Error("ParsePrivateKey(public key PEM) = nil error")
	}
}

// FuzzDecode feeds the decoder arbitrary bytes, signed and unsigned: it
// must never panic, and whatever it accepts must hold both parts.
func FuzzDecode(f *testing.F) {
	sk, pub := testKey(f, 1)
	f.Add(testBundle(f, sk, "qemu-x86_64", "r1"), false)
	f.Add([]byte("CAIRNUP\x01\x00\x00\x00\x02{}"), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, resign bool) {
		if resign && len(data) >= 12 {
			// Re-sign whatever manifest the input carries, so the
			// fuzzer gets past the signature to the JSON and the parts.
			n := int(uint32(data[8])<<24 | uint32(data[9])<<16 | uint32(data[10])<<8 | uint32(data[11]))
			if n <= len(data)-12 && n <= update.MaxManifestSize {
				js := data[12 : 12+n]
				sig := ed25519.Sign(sk, append([]byte("cairn update bundle v1\x00"), js...))
				data = append(append(bytes.Clone(data[:12+n]), sig...), data[12+n:]...)
			}
		}
		b, err := update.Decode(bytes.NewReader(data), pub, "")
		if err == nil && (len(b.Files[update.PartKernel]) == 0 || len(b.Files[update.PartInitrd]) == 0) {
			t.Errorf("Decode accepted a bundle without kernel or initramfs: %+v", b.Manifest)
		}
	})
}

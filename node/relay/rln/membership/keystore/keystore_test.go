package keystore

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
)

func TestKeyfileVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/keyfile-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Vectors []struct {
			Name     string          `json:"name"`
			Keyfile  json.RawMessage `json:"keyfile"`
			Password string          `json:"password"`
			Priv     string          `json:"priv"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	for _, tc := range v.Vectors {
		t.Run(tc.Name, func(t *testing.T) {
			p, err := parseKeyfile(tc.Keyfile)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.decrypt(tc.Password)
			if err != nil || hex.EncodeToString(got) != tc.Priv {
				t.Errorf("decrypt = %x, %v; want %s", got, err, tc.Priv)
			}
			if _, err := p.decrypt(tc.Password + "x"); !errors.Is(err, ErrPassword) {
				t.Errorf("decrypt(wrong password) error = %v, want ErrPassword", err)
			}
		})
	}
}

func testCredential(i uint64) Credential {
	var td, nl fr.Element
	td.SetUint64(10 + i)
	nl.SetUint64(20 + i)
	return Credential{
		Identity:         rln.NewIdentity(td, nl),
		ChainID:          "59141",
		Contract:         "0xB9cd878C90E49F797B4431fBF4fb333108CB90e6",
		TreeIndex:        i,
		UserMessageLimit: 20,
	}
}

var fast = Options{Iterations: 1000}

func TestAddLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rlnKeystore.json")
	a, b := testCredential(3), testCredential(4)
	for _, c := range []Credential{a, b, a} { // a twice: the second is a no-op
		if err := Add(path, "pw", c, fast); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keystore file: %v, %v; want mode 0600", fi, err)
	}
	got, err := Load(path, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Load returned %d credentials, want 2", len(got))
	}
	for _, want := range []Credential{a, b} {
		found := false
		for _, c := range got {
			if c == want {
				found = true
			}
		}
		if !found {
			t.Errorf("Load did not return %+v", want)
		}
	}
	if c, err := Find(got, "59141", strings.ToLower(a.Contract)); err != nil || c.Contract != a.Contract {
		t.Errorf("Find(lower-case address) = %+v, %v", c, err)
	}
	if _, err := Find(got, "1", a.Contract); !errors.Is(err, ErrNotFound) {
		t.Errorf("Find(other chain) error = %v, want ErrNotFound", err)
	}
	if _, err := Load(path, "wrong"); !errors.Is(err, ErrPassword) {
		t.Errorf("Load(wrong password) error = %v, want ErrPassword", err)
	}
}

// TestFileLayout checks the JSON as nwaku writes and reads it.
func TestFileLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ks")
	c := testCredential(3)
	if err := Add(path, "pw", c, Options{}); err != nil { // nwaku's default work factor
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), `{"application":"waku-rln-relay","appIdentifier":"01234567890abcdef","credentials":{"`) ||
		!strings.HasSuffix(string(data), `},"version":"0.2"}`+"\n") || strings.Count(string(data), "\n") != 1 {
		t.Errorf("keystore file = %s", data)
	}
	var ks appKeystore
	if err := json.Unmarshal(data, &ks); err != nil {
		t.Fatal(err)
	}
	kf, ok := ks.Credentials[c.Key()]
	if !ok || len(c.Key()) != 64 || strings.ToUpper(c.Key()) != c.Key() {
		t.Fatalf("credentials map lacks the upper-case hex key %s", c.Key())
	}
	p, err := parseKeyfile(kf)
	if err != nil {
		t.Fatal(err)
	}
	if p.kdf != "pbkdf2" || p.pbkdf2.C != DefaultPBKDF2Iterations || len(p.salt) != 16 {
		t.Errorf("kdf %s c=%d salt %d bytes; want pbkdf2, %d, 16", p.kdf, p.pbkdf2.C, len(p.salt), DefaultPBKDF2Iterations)
	}
	plain, err := p.decrypt("pw")
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix := `{"membershipContract":{"chainId":"59141","address":"0xB9cd878C90E49F797B4431fBF4fb333108CB90e6"},"treeIndex":3,"identityCredential":{"idTrapdoor":[13,0,0,`
	if !strings.HasPrefix(string(plain), wantPrefix) || !strings.HasSuffix(string(plain), `,"userMessageLimit":20}`) {
		t.Errorf("credential plaintext = %s, want it to start %s", plain, wantPrefix)
	}
}

func TestDamagedCredentialIsRefused(t *testing.T) {
	c := testCredential(1)
	c.Identity.Commitment.SetUint64(5)
	plain, err := encodeCredential(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeCredential(plain); !errors.Is(err, ErrFormat) {
		t.Errorf("decodeCredential(commitment not matching the secret) error = %v, want ErrFormat", err)
	}
}

func TestParseErrors(t *testing.T) {
	for name, file := range map[string]string{
		"other app": `{"application":"x","appIdentifier":"01234567890abcdef","credentials":{},"version":"0.2"}`,
		"not json":  `hello`,
		"huge c":    `{"application":"waku-rln-relay","appIdentifier":"01234567890abcdef","credentials":{"K":{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"00000000000000000000000000000000"},"ciphertext":"00","kdf":"pbkdf2","kdfparams":{"dklen":32,"c":1000000000,"prf":"hmac-sha256","salt":"00"},"mac":"00"}}},"version":"0.2"}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ks")
			if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(path, "pw"); !errors.Is(err, ErrFormat) {
				t.Errorf("Load error = %v, want ErrFormat", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	kf, err := encryptKeyfile([]byte("secret"), "pw", 1)
	if err != nil {
		f.Fatal(err)
	}
	plain, err := encodeCredential(testCredential(1))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"application":"waku-rln-relay","appIdentifier":"01234567890abcdef","credentials":{"K":`+string(kf)+`},"version":"0.2"}`), plain)
	f.Fuzz(func(t *testing.T, file, credential []byte) {
		if ks, err := parseFile(file); err == nil {
			for _, raw := range ks.Credentials {
				if p, err := parseKeyfile(raw); err == nil {
					if p.kdf == "pbkdf2" && p.pbkdf2.C > MaxPBKDF2Iterations || p.kdf == "scrypt" && p.scrypt.N > MaxScryptN {
						t.Fatalf("parseKeyfile accepted costly parameters")
					}
				}
			}
		} else if !errors.Is(err, ErrFormat) {
			t.Errorf("parseFile error %v does not wrap ErrFormat", err)
		}
		if c, err := decodeCredential(credential); err == nil {
			if want := rln.IDCommitment(c.Identity.SecretHash); !want.Equal(&c.Identity.Commitment) {
				t.Errorf("decodeCredential accepted a credential whose commitment does not match")
			}
		}
	})
}

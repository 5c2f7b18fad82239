// Package keystore stores our RLN membership credential (identity
// secrets, tree index, contract and message limit) in nwaku's keystore
// format, so a keystore made by nwaku's `generateRlnKeystore` works in
// Cairn and the other way round.
//
// # Format
//
// The file (mode 0600) holds one line of JSON (waku/waku_keystore):
//
//	{"application":"waku-rln-relay","appIdentifier":"01234567890abcdef",
//	 "credentials":{"<KEY>":<keyfile>, …},"version":"0.2"}
//
// KEY is the upper-case hex SHA-256 of chainId ‖ address ‖ treeIndex (as
// decimal text). Each keyfile is a Web3 Secret Storage "crypto" object
// (PBKDF2-HMAC-SHA256 with 1,000,000 iterations when nwaku or Cairn writes
// it; scrypt is read too; AES-128-CTR; MAC keccak256(key[16:32] ‖
// ciphertext)) whose plaintext is the JSON
//
//	{"membershipContract":{"chainId":"59141","address":"0x…"},"treeIndex":3,
//	 "identityCredential":{"idTrapdoor":[…],"idNullifier":[…],
//	  "idSecretHash":[…],"idCommitment":[…]},"userMessageLimit":20}
//
// with each secret as an array of 32 numbers, the field element
// little-endian (zerokit's serialization).
//
//	err := keystore.Add(path, password, keystore.Credential{Identity: id, …})
//	creds, err := keystore.Load(path, password)
package keystore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/atomicfile"
	"github.com/cairn-node/cairn/node/relay/rln"
)

// nwaku's RLNAppInfo (waku_rln_relay/constants.nim).
const (
	Application   = "waku-rln-relay"
	AppIdentifier = "01234567890abcdef"
	Version       = "0.2"
)

// MaxFileSize bounds a keystore file: 1 MiB, thousands of credentials.
const MaxFileSize = 1 << 20

// ErrNotFound is returned by Find when no credential matches.
var ErrNotFound = errors.New("keystore: no matching credential")

// Credential is one RLN membership of ours.
type Credential struct {
	// Identity holds the secrets. Load checks that Commitment =
	// Poseidon(SecretHash).
	Identity rln.Identity
	// ChainID is the chain id as decimal text ("59141"), Contract the
	// membership contract address ("0x…"); both as nwaku writes them.
	ChainID  string
	Contract string
	// TreeIndex is the membership's leaf index.
	TreeIndex uint64
	// UserMessageLimit is the messages per epoch registered.
	UserMessageLimit uint64
}

// Key returns the credential's key in the keystore's credentials map, as
// nwaku computes it (KeystoreMembership.hash).
func (c Credential) Key() string {
	sum := sha256.Sum256([]byte(c.ChainID + c.Contract + strconv.FormatUint(c.TreeIndex, 10)))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// appKeystore is the file's JSON object.
type appKeystore struct {
	Application   string                     `json:"application"`
	AppIdentifier string                     `json:"appIdentifier"`
	Credentials   map[string]json.RawMessage `json:"credentials"`
	Version       string                     `json:"version"`
}

// byteList is a byte slice written as a JSON array of numbers, as Nim's
// json module writes seq[byte].
type byteList []byte

func (b byteList) MarshalJSON() ([]byte, error) {
	ints := make([]int, len(b))
	for i, v := range b {
		ints[i] = int(v)
	}
	return json.Marshal(ints)
}

func (b *byteList) UnmarshalJSON(data []byte) error {
	var ints []int
	if err := json.Unmarshal(data, &ints); err != nil {
		return err
	}
	out := make([]byte, len(ints))
	for i, v := range ints {
		if v < 0 || v > 255 {
			return fmt.Errorf("byte %d is %d", i, v)
		}
		out[i] = byte(v)
	}
	*b = out
	return nil
}

// membershipJSON is nwaku's KeystoreMembership, in its field order.
type membershipJSON struct {
	MembershipContract struct {
		ChainID string `json:"chainId"`
		Address string `json:"address"`
	} `json:"membershipContract"`
	TreeIndex          uint64 `json:"treeIndex"`
	IdentityCredential struct {
		IDTrapdoor   byteList `json:"idTrapdoor"`
		IDNullifier  byteList `json:"idNullifier"`
		IDSecretHash byteList `json:"idSecretHash"`
		IDCommitment byteList `json:"idCommitment"`
	} `json:"identityCredential"`
	UserMessageLimit uint64 `json:"userMessageLimit"`
}

func le(e fr.Element) byteList {
	var b [fr.Bytes]byte
	fr.LittleEndian.PutElement(&b, e)
	return b[:]
}

func fromLE(name string, b byteList) (fr.Element, error) {
	if len(b) != fr.Bytes {
		return fr.Element{}, fmt.Errorf("%w: %s is %d bytes, want %d", ErrFormat, name, len(b), fr.Bytes)
	}
	e, err := fr.LittleEndian.Element((*[fr.Bytes]byte)(b))
	if err != nil {
		return fr.Element{}, fmt.Errorf("%w: %s: %w", ErrFormat, name, err)
	}
	return e, nil
}

func encodeCredential(c Credential) ([]byte, error) {
	var m membershipJSON
	m.MembershipContract.ChainID, m.MembershipContract.Address = c.ChainID, c.Contract
	m.TreeIndex, m.UserMessageLimit = c.TreeIndex, c.UserMessageLimit
	ic := &m.IdentityCredential
	ic.IDTrapdoor, ic.IDNullifier = le(c.Identity.Trapdoor), le(c.Identity.Nullifier)
	ic.IDSecretHash, ic.IDCommitment = le(c.Identity.SecretHash), le(c.Identity.Commitment)
	return json.Marshal(m)
}

// decodeCredential parses a decrypted credential. Errors wrap ErrFormat.
func decodeCredential(b []byte) (Credential, error) {
	var m membershipJSON
	if err := json.Unmarshal(b, &m); err != nil {
		return Credential{}, fmt.Errorf("%w: credential: %w", ErrFormat, err)
	}
	c := Credential{
		ChainID:          m.MembershipContract.ChainID,
		Contract:         m.MembershipContract.Address,
		TreeIndex:        m.TreeIndex,
		UserMessageLimit: m.UserMessageLimit,
	}
	ic := m.IdentityCredential
	var err error
	for _, f := range []struct {
		name string
		in   byteList
		out  *fr.Element
	}{
		{"idTrapdoor", ic.IDTrapdoor, &c.Identity.Trapdoor},
		{"idNullifier", ic.IDNullifier, &c.Identity.Nullifier},
		{"idSecretHash", ic.IDSecretHash, &c.Identity.SecretHash},
		{"idCommitment", ic.IDCommitment, &c.Identity.Commitment},
	} {
		if *f.out, err = fromLE(f.name, f.in); err != nil {
			return Credential{}, err
		}
	}
	if want := rln.IDCommitment(c.Identity.SecretHash); !want.Equal(&c.Identity.Commitment) {
		return Credential{}, fmt.Errorf("%w: idCommitment is not Poseidon(idSecretHash): the credential is damaged or not an RLN v2 identity", ErrFormat)
	}
	return c, nil
}

// parseFile checks the keystore object of a file. Errors wrap ErrFormat.
func parseFile(data []byte) (*appKeystore, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrFormat, MaxFileSize)
	}
	// nwaku writes one object per line and reads the first; Cairn writes one.
	line, _, _ := bytes.Cut(bytes.TrimSpace(data), []byte("\n"))
	var ks appKeystore
	if err := json.Unmarshal(line, &ks); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if ks.Application != Application || ks.AppIdentifier != AppIdentifier || ks.Version != Version {
		return nil, fmt.Errorf("%w: keystore of application %q, identifier %q, version %q; want %q, %q, %q (nwaku's RLN keystore)",
			ErrFormat, ks.Application, ks.AppIdentifier, ks.Version, Application, AppIdentifier, Version)
	}
	if ks.Credentials == nil {
		ks.Credentials = map[string]json.RawMessage{}
	}
	return &ks, nil
}

// Load decrypts every credential of the keystore at path with password.
// Errors: ErrPassword (wrong password), errors wrapping ErrFormat, and
// os.ErrNotExist for a missing file. The order of the credentials is their
// keys' order.
func Load(path, password string) ([]Credential, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	ks, err := parseFile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Credential
	for _, key := range sortedKeys(ks.Credentials) {
		p, err := parseKeyfile(ks.Credentials[key])
		if err != nil {
			return nil, fmt.Errorf("%s: credential %s: %w", path, key, err)
		}
		plain, err := p.decrypt(password)
		if err != nil {
			return nil, fmt.Errorf("%s: credential %s: %w", path, key, err)
		}
		c, err := decodeCredential(plain)
		if err != nil {
			return nil, fmt.Errorf("%s: credential %s: %w", path, key, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Find returns the credential for the contract (chain id and address as
// the keystore holds them; the address compared case-insensitively), or
// ErrNotFound.
func Find(creds []Credential, chainID, contract string) (Credential, error) {
	for _, c := range creds {
		if c.ChainID == chainID && strings.EqualFold(c.Contract, contract) {
			return c, nil
		}
	}
	return Credential{}, fmt.Errorf("%w for chain %s contract %s: register a membership first", ErrNotFound, chainID, contract)
}

// Options configure Add.
type Options struct {
	// Iterations is the PBKDF2 work factor; default
	// DefaultPBKDF2Iterations (nwaku's). Lower it only in tests.
	Iterations int
}

// Add encrypts c with password and adds it to the keystore at path,
// creating the file (mode 0600) if needed; other credentials are kept as
// they are. Like nwaku, adding a credential whose Key is already present
// does nothing. The file is replaced atomically (temporary file, fsync,
// rename).
func Add(path, password string, c Credential, opts Options) error {
	if opts.Iterations == 0 {
		opts.Iterations = DefaultPBKDF2Iterations
	}
	if opts.Iterations < 1 || opts.Iterations > MaxPBKDF2Iterations {
		return fmt.Errorf("keystore: %d PBKDF2 iterations outside 1..%d", opts.Iterations, MaxPBKDF2Iterations)
	}
	ks := &appKeystore{Application: Application, AppIdentifier: AppIdentifier, Version: Version, Credentials: map[string]json.RawMessage{}}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if ks, err = parseFile(data); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("keystore: %w", err)
	}
	key := c.Key()
	if _, ok := ks.Credentials[key]; ok {
		return nil
	}
	plain, err := encodeCredential(c)
	if err != nil {
		return err
	}
	if ks.Credentials[key], err = encryptKeyfile(plain, password, opts.Iterations); err != nil {
		return err
	}
	out, err := json.Marshal(ks)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, append(out, '\n'), 0o600); err != nil {
		return fmt.Errorf("keystore: write %s: %w", path, err)
	}
	return nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

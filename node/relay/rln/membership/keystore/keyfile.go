package keystore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/crypto/scrypt"
)

// Limits on the key-derivation cost a keyfile may ask for, so that a
// crafted file cannot make loading take hours or exhaust memory. nwaku
// writes PBKDF2 with 1,000,000 iterations, or scrypt with n = 2^18.
const (
	MaxPBKDF2Iterations = 10_000_000
	MaxScryptN          = 1 << 20
)

// DefaultPBKDF2Iterations is nwaku's PBKDF2 work factor (keyfile.nim
// Pbkdf2WorkFactor).
const DefaultPBKDF2Iterations = 1_000_000

// ErrPassword is returned when a keyfile's MAC does not match: the
// password is wrong (or the file was altered).
var ErrPassword = errors.New("keystore: wrong password (keyfile MAC mismatch)")

// ErrFormat is wrapped by errors about the structure of a keystore or a
// keyfile.
var ErrFormat = errors.New("keystore: malformed keystore")

// keyfile is the Web3 Secret Storage (version 3) "crypto" object nwaku
// writes for each credential (waku_keystore/keyfile.nim); nwaku leaves out
// "id" and "version".
type keyfile struct {
	Crypto struct {
		Cipher       string `json:"cipher"`
		CipherParams struct {
			IV string `json:"iv"`
		} `json:"cipherparams"`
		Ciphertext string          `json:"ciphertext"`
		KDF        string          `json:"kdf"`
		KDFParams  json.RawMessage `json:"kdfparams"`
		MAC        string          `json:"mac"`
	} `json:"crypto"`
}

type pbkdf2Params struct {
	DKLen int    `json:"dklen"`
	C     int    `json:"c"`
	PRF   string `json:"prf"`
	Salt  string `json:"salt"`
}

type scryptParams struct {
	DKLen int    `json:"dklen"`
	N     int    `json:"n"`
	R     int    `json:"r"`
	P     int    `json:"p"`
	Salt  string `json:"salt"`
}

// encryptKeyfile encrypts secret as nwaku's createKeyFileJson does with
// its defaults: PBKDF2-HMAC-SHA256 (iterations, 16-byte salt, 32-byte
// key), AES-128-CTR with the first 16 key bytes, MAC =
// keccak256(key[16:32] ‖ ciphertext); hex is lower case without 0x.
func encryptKeyfile(secret []byte, password string, iterations int) (json.RawMessage, error) {
	salt, iv := make([]byte, 16), make([]byte, aes.BlockSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("keystore: salt: %w", err)
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, fmt.Errorf("keystore: iv: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, iterations, 32)
	if err != nil {
		return nil, fmt.Errorf("keystore: derive key: %w", err)
	}
	ct, err := aesCTR(key[:16], iv, secret)
	if err != nil {
		return nil, err
	}
	var kf keyfile
	kf.Crypto.Cipher = "aes-128-ctr"
	kf.Crypto.CipherParams.IV = hex.EncodeToString(iv)
	kf.Crypto.Ciphertext = hex.EncodeToString(ct)
	kf.Crypto.KDF = "pbkdf2"
	kf.Crypto.KDFParams, err = json.Marshal(pbkdf2Params{DKLen: 32, C: iterations, PRF: "hmac-sha256", Salt: hex.EncodeToString(salt)})
	if err != nil {
		return nil, err
	}
	kf.Crypto.MAC = hex.EncodeToString(crypto.Keccak256(key[16:32], ct))
	return json.Marshal(kf)
}

// parsedKeyfile is a keyfile checked for structure, before any key
// derivation.
type parsedKeyfile struct {
	iv, ciphertext, mac, salt []byte
	kdf                       string
	pbkdf2                    pbkdf2Params
	scrypt                    scryptParams
}

// parseKeyfile checks a keyfile's structure and its KDF parameters against
// the limits. Errors wrap ErrFormat.
func parseKeyfile(raw []byte) (*parsedKeyfile, error) {
	var kf keyfile
	if err := json.Unmarshal(raw, &kf); err != nil {
		return nil, fmt.Errorf("%w: keyfile: %w", ErrFormat, err)
	}
	c := kf.Crypto
	if c.Cipher != "aes-128-ctr" {
		return nil, fmt.Errorf("%w: cipher %q, only aes-128-ctr is supported", ErrFormat, c.Cipher)
	}
	p := &parsedKeyfile{kdf: c.KDF}
	for _, f := range []struct {
		name string
		in   string
		out  *[]byte
	}{{"cipherparams.iv", c.CipherParams.IV, &p.iv}, {"ciphertext", c.Ciphertext, &p.ciphertext}, {"mac", c.MAC, &p.mac}} {
		b, err := hex.DecodeString(f.in)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("%w: %s is empty or not hex", ErrFormat, f.name)
		}
		*f.out = b
	}
	if len(p.iv) != aes.BlockSize {
		return nil, fmt.Errorf("%w: iv is %d bytes, want %d", ErrFormat, len(p.iv), aes.BlockSize)
	}
	if len(c.KDFParams) == 0 {
		return nil, fmt.Errorf("%w: kdfparams missing", ErrFormat)
	}
	var salt string
	var dklen int
	switch c.KDF {
	case "pbkdf2":
		if err := json.Unmarshal(c.KDFParams, &p.pbkdf2); err != nil {
			return nil, fmt.Errorf("%w: kdfparams: %w", ErrFormat, err)
		}
		if p.pbkdf2.PRF != "hmac-sha256" {
			return nil, fmt.Errorf("%w: pbkdf2 prf %q, only hmac-sha256 is supported", ErrFormat, p.pbkdf2.PRF)
		}
		if p.pbkdf2.C < 1 || p.pbkdf2.C > MaxPBKDF2Iterations {
			return nil, fmt.Errorf("%w: pbkdf2 iterations %d outside 1..%d", ErrFormat, p.pbkdf2.C, MaxPBKDF2Iterations)
		}
		salt, dklen = p.pbkdf2.Salt, p.pbkdf2.DKLen
	case "scrypt":
		if err := json.Unmarshal(c.KDFParams, &p.scrypt); err != nil {
			return nil, fmt.Errorf("%w: kdfparams: %w", ErrFormat, err)
		}
		s := p.scrypt
		if s.N < 2 || s.N > MaxScryptN || s.N&(s.N-1) != 0 || s.R < 1 || s.P < 1 || s.R*s.P >= 1<<30 || 128*s.R*s.N > 1<<30 {
			return nil, fmt.Errorf("%w: scrypt parameters n=%d r=%d p=%d outside the supported range", ErrFormat, s.N, s.R, s.P)
		}
		salt, dklen = s.Salt, s.DKLen
	default:
		return nil, fmt.Errorf("%w: kdf %q, want pbkdf2 or scrypt", ErrFormat, c.KDF)
	}
	if dklen != 32 {
		return nil, fmt.Errorf("%w: dklen %d, want 32", ErrFormat, dklen)
	}
	var err error
	if p.salt, err = hex.DecodeString(salt); err != nil || len(p.salt) == 0 {
		return nil, fmt.Errorf("%w: salt is empty or not hex", ErrFormat)
	}
	return p, nil
}

// decrypt derives the key from password and returns the plaintext, or
// ErrPassword when the MAC does not match.
func (p *parsedKeyfile) decrypt(password string) ([]byte, error) {
	var key []byte
	var err error
	if p.kdf == "pbkdf2" {
		key, err = pbkdf2.Key(sha256.New, password, p.salt, p.pbkdf2.C, 32)
	} else {
		key, err = scrypt.Key([]byte(password), p.salt, p.scrypt.N, p.scrypt.R, p.scrypt.P, 32)
	}
	if err != nil {
		return nil, fmt.Errorf("keystore: derive key: %w", err)
	}
	if subtle.ConstantTimeCompare(crypto.Keccak256(key[16:32], p.ciphertext), p.mac) != 1 {
		return nil, ErrPassword
	}
	return aesCTR(key[:16], p.iv, p.ciphertext)
}

func aesCTR(key, iv, in []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keystore: aes: %w", err)
	}
	out := make([]byte, len(in))
	cipher.NewCTR(block, iv).XORKeyStream(out, in)
	return out, nil
}

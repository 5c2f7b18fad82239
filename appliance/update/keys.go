package update

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
)

// PublicKeyPath is where an image's initramfs holds the public key that
// update bundles must be signed with.
const PublicKeyPath = "/etc/cairn/update.pub"

// BoardPath is where an image's initramfs names its board (one line, the
// board/ name): a node refuses update bundles built for another board.
const BoardPath = "/etc/cairn/board"

// GenerateKey makes a signing key pair from rand (crypto/rand.Reader in
// production) and returns both halves PEM-encoded: the private key as
// PKCS #8, the public key as PKIX, the formats openssl reads too.
func GenerateKey(rand io.Reader) (priv, pub []byte, err error) {
	pk, sk, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, nil, fmt.Errorf("update: generate key: %w", err)
	}
	skDER, err := x509.MarshalPKCS8PrivateKey(sk)
	if err != nil {
		return nil, nil, fmt.Errorf("update: %w", err)
	}
	pkDER, err := x509.MarshalPKIXPublicKey(pk)
	if err != nil {
		return nil, nil, fmt.Errorf("update: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: skDER}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkDER}), nil
}

// ParsePrivateKey reads a PEM PKCS #8 ed25519 private key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("update: not a PEM private key; make one with 'cairn update keygen'")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("update: private key: %w", err)
	}
	sk, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("update: private key is %T, want ed25519; make one with 'cairn update keygen'", k)
	}
	return sk, nil
}

// ParsePublicKey reads a PEM PKIX ed25519 public key.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New("update: not a PEM public key; pass the .pub file 'cairn update keygen' wrote")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("update: public key: %w", err)
	}
	pk, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("update: public key is %T, want ed25519", k)
	}
	return pk, nil
}

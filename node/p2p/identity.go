package p2p

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/crypto"

	"github.com/cairn-node/cairn/node/atomicfile"
)

// KeyFile is the name of the identity key file in Options.DataDir.
const KeyFile = "libp2p.key"

// keyPerm is the mode of a key file New writes; a key readable by group or
// others is logged as a warning when loaded.
const keyPerm = 0o600

// LoadOrCreateKey returns the private key stored at path (libp2p's
// protobuf key encoding, as crypto.MarshalPrivateKey writes it), creating
// a new secp256k1 key there with mode 0600 when the file does not exist.
// The new file is written to a temporary name, synced and renamed, so a
// crash leaves either no key or a whole one. Missing parent directories
// are created with mode 0700. A key file readable by others is used but
// logged as a warning.
func LoadOrCreateKey(path string, log *slog.Logger) (crypto.PrivKey, error) {
	if log == nil {
		log = slog.Default()
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		k, err := crypto.UnmarshalPrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("p2p: read identity key %s: %w (delete it to get a new peer ID)", path, err)
		}
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			log.Warn("identity key is readable by others; run chmod 600 on it", "path", path, "mode", st.Mode().Perm())
		}
		return k, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("p2p: read identity key: %w", err)
	}
	k, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("p2p: generate identity key: %w", err)
	}
	b, err = crypto.MarshalPrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("p2p: encode identity key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("p2p: write identity key: %w", err)
	}
	if err := atomicfile.Write(path, b, keyPerm); err != nil {
		return nil, fmt.Errorf("p2p: write identity key: %w", err)
	}
	log.Info("created identity key", "path", path)
	return k, nil
}

package proofs

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Export writes the verifying key (gnark's binary encoding) and a Solidity
// verifier contract into dir, atomically, and returns their paths. The
// names follow the key file: KeyFileName with .vk and .sol instead of .keys.
func (k *Keys) Export(dir string) (vkPath, solPath string, err error) {
	base := filepath.Join(dir, strings.TrimSuffix(KeyFileName(k.params, k.digest), ".keys"))
	vkPath, solPath = base+".vk", base+".sol"
	if err := writeAtomic(vkPath, func(w io.Writer) error {
		_, err := k.vk.WriteTo(w)
		return err
	}); err != nil {
		return "", "", fmt.Errorf("proofs: export verifying key: %w", err)
	}
	if err := writeAtomic(solPath, k.vk.ExportSolidity); err != nil {
		return "", "", fmt.Errorf("proofs: export solidity verifier: %w", err)
	}
	return vkPath, solPath, nil
}

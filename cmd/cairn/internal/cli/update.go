package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/appliance/update"
	"github.com/cairn-node/cairn/image"
	"github.com/cairn-node/cairn/image/disk"
)

func newUpdateCmd(env *Env) *cobra.Command {
	var (
		espDir, diskImage, pubFile, boardName string
		reboot                                bool
	)
	cmd := &cobra.Command{
		Use:   "update [--esp DIR | --disk IMAGE] BUNDLE",
		Short: "Install a signed update into the inactive boot slot",
		Long: `Update verifies BUNDLE (from 'cairn image build --update-key' or 'cairn
update pack') against the update public key, then writes its kernel and
initramfs into the boot slot that is not running and makes it the next
boot, on trial: the slot becomes permanent once the node is healthy on it,
and a node that does not become healthy returns to the old slot by itself.
Nothing is written unless the whole bundle verifies.

Where: --esp DIR (a mounted EFI system partition of a Cairn disk), --disk
IMAGE (a Cairn image file or a stick's block device, unmounted), or, on a
Cairn node itself, the node's own ESP (found and mounted; add --reboot to
reboot into the update at once).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("update takes one bundle file, got %d arguments", len(args))}
			}
			if espDir != "" && diskImage != "" {
				return usageError{errors.New("update takes --esp or --disk, not both")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			bundle, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("update: %w", err)
			}
			defer bundle.Close()
			onNode := espDir == "" && diskImage == ""
			var res update.Result
			if onNode {
				res, err = update.ApplyOnNode(cmd.Context(), bundle, boardName)
			} else {
				res, err = applyToDisk(bundle, espDir, diskImage, pubFile, boardName)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "slot %s: %s installed, on trial (%s)\n", res.Entry.Slot, res.Release, res.Entry.FileName())
			if !reboot {
				fmt.Fprintf(env.Stdout, "reboot to try it: it is kept once the node is healthy, otherwise the node returns to slot %s by itself\n", res.Entry.Slot.Other())
				return nil
			}
			if !onNode {
				return errors.New("update: --reboot works on a Cairn node only; the update is installed, reboot the node yourself")
			}
			fmt.Fprintln(env.Stdout, "rebooting into it")
			return syscall.Kill(1, syscall.SIGTERM) // PID 1 stops the node and reboots cleanly
		},
	}
	f := cmd.Flags()
	f.StringVar(&espDir, "esp", "", "mounted EFI system partition `dir` to update")
	f.StringVar(&diskImage, "disk", "", "Cairn disk `image` (or block device) to update")
	f.StringVar(&pubFile, "pub", update.PublicKeyPath, "update public key `file` the bundle must be signed for (on a node: always its own)")
	f.StringVar(&boardName, "board", "", "refuse bundles for any other `board` (default: any)")
	f.BoolVar(&reboot, "reboot", false, "on a Cairn node, reboot into the update once it is installed")
	cmd.AddCommand(newUpdateKeygenCmd(env), newUpdatePackCmd(env), newUpdateVerifyCmd(env))
	return cmd
}

// applyToDisk installs bundle into the ESP of a disk that is not
// running: a mounted ESP directory or an image file.
func applyToDisk(bundle io.Reader, dir, img, pubFile, board string) (update.Result, error) {
	pub, err := readPublicKey(pubFile)
	if err != nil {
		return update.Result{}, err
	}
	o := update.ApplyOptions{PublicKey: pub, Board: board}
	if dir != "" {
		return update.Apply(update.DirESP(dir), bundle, o)
	}
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		return update.Result{}, fmt.Errorf("update: %w", err)
	}
	defer f.Close()
	esp, err := disk.OpenESP(f)
	if err != nil {
		return update.Result{}, err
	}
	res, err := update.Apply(esp, bundle, o)
	if err != nil {
		return update.Result{}, err
	}
	if err := f.Sync(); err != nil {
		return update.Result{}, fmt.Errorf("update: %w", err)
	}
	return res, nil
}

func readPublicKey(path string) (ed25519.PublicKey, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("update: public key: %w; pass the .pub file 'cairn update keygen' wrote (--pub)", err)
	}
	return update.ParsePublicKey(pem)
}

func newUpdateKeygenCmd(env *Env) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen -o FILE",
		Short: "Make an update signing key pair (FILE and FILE.pub)",
		Long: `Keygen writes an ed25519 key pair: FILE, the private key that signs update
bundles (PEM PKCS #8, mode 0600; keep it off the nodes), and FILE.pub, the
public key that 'cairn image build --update-key FILE' bakes into images.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			if out == "" {
				return usageError{errors.New("update keygen needs -o FILE")}
			}
			priv, pub, err := update.GenerateKey(rand.Reader)
			if err != nil {
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("update keygen: %w; choose another name, an existing key is never overwritten", err)
			}
			_, err = f.Write(priv)
			if err = errors.Join(err, f.Close()); err != nil {
				return fmt.Errorf("update keygen: %w", err)
			}
			if err := os.WriteFile(out+".pub", pub, 0o644); err != nil {
				return fmt.Errorf("update keygen: %w", err)
			}
			fmt.Fprintf(env.Stdout, "private key %s, public key %s.pub\n", out, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "private key `file` to write (the public key goes to FILE.pub)")
	return cmd
}

func newUpdatePackCmd(env *Env) *cobra.Command {
	var keyFile, out, release, boardName string
	cmd := &cobra.Command{
		Use:   "pack --key KEY -o BUNDLE IMAGE",
		Short: "Sign the kernel and initramfs of a built image into an update bundle",
		Long: `Pack reads slot a's kernel and initramfs from IMAGE (from 'cairn image
build'), and its board from IMAGE.manifest.json, and writes them to
BUNDLE signed with KEY. Nodes accept the bundle only if their image was
built with KEY's public half ('cairn image build --update-key KEY').`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || keyFile == "" || out == "" {
				return usageError{errors.New("update pack needs --key KEY, -o BUNDLE and one image file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			pem, err := os.ReadFile(keyFile)
			if err != nil {
				return fmt.Errorf("update pack: %w", err)
			}
			key, err := update.ParsePrivateKey(pem)
			if err != nil {
				return err
			}
			if boardName == "" {
				var m image.Manifest
				js, err := os.ReadFile(args[0] + ".manifest.json")
				if err == nil {
					err = json.Unmarshal(js, &m)
				}
				if err != nil {
					return fmt.Errorf("update pack: board of %s unknown: %w; pass --board", args[0], err)
				}
				if m.Board == "" {
					return fmt.Errorf("update pack: %s.manifest.json names no board; pass --board", args[0])
				}
				boardName = m.Board
			}
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("update pack: %w", err)
			}
			defer f.Close()
			esp, err := disk.OpenESP(f)
			if err != nil {
				return err
			}
			files := map[string][]byte{}
			for name, path := range map[string]string{update.PartKernel: update.SlotA.Kernel(), update.PartInitrd: update.SlotA.Initrd()} {
				if files[name], err = esp.ReadFile(path); err != nil {
					return fmt.Errorf("update pack: %s: %w; was it built by this cairn's 'image build'?", path, err)
				}
			}
			var buf bytes.Buffer
			if err := update.Pack(&buf, key, boardName, release, files); err != nil {
				return err
			}
			if err := writeFileAtomic(out, buf.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: update for %s, release %q, %d bytes\n", out, boardName, release, buf.Len())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyFile, "key", "", "private key `file` from 'cairn update keygen'")
	f.StringVarP(&out, "output", "o", "", "bundle `file` to write")
	f.StringVar(&release, "release", "dev", "release `name` shown in the boot menu and logs")
	f.StringVar(&boardName, "board", "", "`board` of the image (default: from IMAGE.manifest.json)")
	return cmd
}

func newUpdateVerifyCmd(env *Env) *cobra.Command {
	var pubFile, boardName string
	cmd := &cobra.Command{
		Use:   "verify [--pub FILE] BUNDLE",
		Short: "Check a bundle's signature and contents without installing it",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("update verify takes one bundle file, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := readPublicKey(pubFile)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("update verify: %w", err)
			}
			defer f.Close()
			b, err := update.Decode(f, pub, boardName)
			if err != nil {
				return err
			}
			if _, err := f.Read(make([]byte, 1)); err != io.EOF {
				return fmt.Errorf("%w: bytes after the last part", update.ErrCorrupt)
			}
			fmt.Fprintf(env.Stdout, "%s: valid update for %s, release %q\n", args[0], b.Manifest.Board, b.Manifest.Release)
			for _, p := range b.Manifest.Parts {
				fmt.Fprintf(env.Stdout, "  %-8s %10d bytes  sha256 %s\n", p.Name, p.Size, p.SHA256)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pubFile, "pub", update.PublicKeyPath, "update public key `file`")
	cmd.Flags().StringVar(&boardName, "board", "", "refuse bundles for any other `board`")
	return cmd
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("update: %w", err)
	}
	return nil
}

package image

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cairn-node/cairn/appliance/update"
	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image/debian"
	"github.com/cairn-node/cairn/image/disk"
	"github.com/cairn-node/cairn/image/initramfs"
	"github.com/cairn-node/cairn/image/modules"
)

// ModuleListPath is where the initramfs lists the modules to load; the
// appliance's kmod package reads it.
const ModuleListPath = "etc/modules.list"

// modulePath is the import path of the cairn module, used to find its
// source tree for the cross-compile.
const modulePath = "github.com/cairn-node/cairn"

// Options configure Build. Board and Output are required.
type Options struct {
	// Board is the target board.
	Board board.Board
	// Output is the image file to write; it is replaced atomically, and
	// Output + ".manifest.json" is written next to it.
	Output string
	// CacheDir holds downloaded packages. Default:
	// debian.DefaultCacheDir() (${XDG_CACHE_HOME:-~/.cache}/cairn).
	CacheDir string
	// Binary is a prebuilt static cairn binary for the board. Default:
	// build one from SourceDir.
	Binary string
	// SourceDir is the cairn source tree to build from. Default: the
	// module root above the working directory.
	SourceDir string
	// Cmdline holds extra kernel command line words (cairn.ip=…).
	Cmdline []string
	// Layout sizes the disk. Default: the zero disk.Layout.
	Layout disk.Layout
	// Step, when not nil, is called as each step starts (n of total) and
	// once more with n = total+1 and name "done".
	Step func(n, total int, name string)
	// Log receives one line per finished step. Default: io.Discard.
	Log io.Writer
	// UpdateKey, when set, signs an update bundle of the image's kernel
	// and initramfs, written to Output + UpdateSuffix, and its public half
	// goes into the initramfs (update.PublicKeyPath): the image then
	// accepts updates signed with this key only. Default: none; the image
	// takes no updates.
	UpdateKey ed25519.PrivateKey
	// Release names the build in the bundle and the boot menu. Default:
	// "dev-" and the start of the initramfs' SHA-256.
	Release string
}

// Manifest records what went into an image.
type Manifest struct {
	Board  string     `json:"board"`
	Kernel PackageRef `json:"kernel"`
	// KernelParts are the packages a split kernel package (forky's)
	// depends on for its image, modules and device trees.
	KernelParts   []PackageRef `json:"kernel_parts,omitempty"`
	KernelVersion string       `json:"kernel_version"`
	Loader        PackageRef   `json:"loader"`
	Cairn         FileRef      `json:"cairn"`
	// Firmware are the device firmware packages in the initramfs.
	Firmware []PackageRef `json:"firmware,omitempty"`
	// Modules are all modules in the initramfs, dependencies first.
	Modules     []string          `json:"modules"`
	Initramfs   FileRef           `json:"initramfs"`
	Cmdline     string            `json:"cmdline"`
	Image       FileRef           `json:"image"`
	StepSeconds map[string]string `json:"step_seconds"`
	// Update is the signed update bundle; nil without Options.UpdateKey.
	Update *FileRef `json:"update,omitempty"`
}

// PackageRef names a Debian package and the SHA-256 of its .deb.
type PackageRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Arch    string `json:"arch"`
	SHA256  string `json:"sha256"`
}

// FileRef is a file's size and SHA-256.
type FileRef struct {
	Path   string `json:"path,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

var stepNames = []string{"kernel", "boot loader", "cairn", "initramfs", "disk", "manifest"}

// Build builds the image described by o and returns its manifest.
func Build(ctx context.Context, o Options) (*Manifest, error) {
	if err := o.Board.Validate(); err != nil {
		return nil, err
	}
	if o.Output == "" {
		return nil, errors.New("image: no output file given")
	}
	if err := releaseOK(o.Release); err != nil {
		return nil, err
	}
	if o.CacheDir == "" {
		o.CacheDir = debian.DefaultCacheDir()
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	b := withESPModules(o.Board)
	m := &Manifest{Board: b.Name, StepSeconds: map[string]string{}}
	step := 0
	var stepStart time.Time
	next := func() {
		if step > 0 {
			m.StepSeconds[stepNames[step-1]] = fmt.Sprintf("%.1f", time.Since(stepStart).Seconds())
		}
		step++
		stepStart = time.Now()
		if o.Step != nil {
			name := "done"
			if step <= len(stepNames) {
				name = stepNames[step-1]
			}
			o.Step(step, len(stepNames), name)
		}
	}

	next() // kernel
	k, err := fetchKernel(ctx, o.CacheDir, b)
	if err != nil {
		return nil, err
	}
	kpkg, kver := k.pkgs[0], k.version
	m.Kernel, m.KernelVersion = ref(kpkg), kver
	for _, p := range k.pkgs[1:] {
		m.KernelParts = append(m.KernelParts, ref(p))
	}
	vmlinuz, err := k.image()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "kernel: %s %s (.deb sha256 %s), vmlinuz %s\n", kpkg.Name, kpkg.Version, kpkg.SHA256, size(len(vmlinuz)))

	next() // boot loader
	var loader []byte
	var pi *piBoot
	if b.Pi != nil {
		if pi, err = fetchPiBoot(ctx, o.CacheDir, b, k); err != nil {
			return nil, err
		}
		m.Loader = pi.firmwareRef
		fmt.Fprintf(o.Log, "boot loader: %s\n", pi)
	} else {
		lpkg, err := debian.Cache{Dir: filepath.Join(o.CacheDir, "boot")}.Fetch(ctx, b.EFI.Package, b.DebArch)
		if err != nil {
			return nil, err
		}
		m.Loader = ref(lpkg)
		loader, err = os.ReadFile(filepath.Join(lpkg.Dir, b.EFI.Loader))
		if err != nil {
			return nil, fmt.Errorf("image: %s has no %s: %w", lpkg.Name, b.EFI.Loader, err)
		}
		fmt.Fprintf(o.Log, "boot loader: %s %s (.deb sha256 %s)\n", lpkg.Name, lpkg.Version, lpkg.SHA256)
	}

	next() // cairn
	bin, err := cairnBinary(ctx, o)
	if err != nil {
		return nil, err
	}
	m.Cairn = fileRef(bin)
	fmt.Fprintf(o.Log, "cairn: %s for linux/%s, sha256 %s\n", size(len(bin)), b.GOARCH, m.Cairn.SHA256)

	next() // initramfs
	pub, err := updatePublicKey(o.UpdateKey)
	if err != nil {
		return nil, err
	}
	var fw map[string][]byte
	fw, m.Firmware, err = fetchFirmware(ctx, o.CacheDir, b)
	if err != nil {
		return nil, err
	}
	initrd, mods, err := buildInitramfs(k.modules(), kver, b, bin, pub, fw)
	if err != nil {
		return nil, err
	}
	m.Modules = mods
	m.Initramfs = fileRef(initrd)
	fmt.Fprintf(o.Log, "initramfs: %s gzip, %d modules\n", size(len(initrd)), len(mods))

	next() // disk
	m.Cmdline = b.Cmdline(o.Cmdline...)
	if pi != nil {
		err = writePiImage(o.Output, o.Layout, pi.files(b, vmlinuz, initrd, m.Cmdline))
	} else {
		err = writeImage(o.Output, o.Layout, espFiles(b, loader, vmlinuz, initrd, m.Cmdline))
	}
	if err != nil {
		return nil, err
	}
	m.Image, err = hashFile(o.Output)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "disk: %s, sha256 %s\n", o.Output, m.Image.SHA256)
	if o.UpdateKey != nil {
		ref, err := writeBundle(o, vmlinuz, initrd)
		if err != nil {
			return nil, err
		}
		m.Update = &ref
		fmt.Fprintf(o.Log, "update bundle: %s, %s\n", ref.Path, size(int(ref.Size)))
	}

	next() // manifest
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	if err := os.WriteFile(o.Output+".manifest.json", append(js, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("image: write manifest: %w", err)
	}
	next() // done
	return m, nil
}

// buildInitramfs returns the gzip initramfs and the names of the modules
// in it, dependencies first.
func buildInitramfs(modRoot fs.FS, kver string, b board.Board, bin, updatePub []byte, firmware map[string][]byte) ([]byte, []string, error) {
	tree, err := modules.Index(modRoot)
	if err != nil {
		return nil, nil, err
	}
	mods, err := tree.Closure(b.Modules)
	if err != nil {
		return nil, nil, err
	}
	a := initramfs.New()
	a.AddBytes("init", bin, 0o755)
	for _, d := range []string{"proc", "sys", "run", "tmp", "data", "etc"} {
		a.AddDir(d, 0o755)
	}
	var list []string
	for _, name := range b.Modules {
		if !tree.Builtin(name) {
			list = append(list, name)
		}
	}
	a.AddBytes(ModuleListPath, []byte(strings.Join(list, "\n")+"\n"), 0o644)
	if updatePub != nil {
		a.AddBytes(update.PublicKeyPath, updatePub, 0o644)
	}
	a.AddBytes(update.BoardPath, []byte(b.Name+"\n"), 0o644)
	base := "lib/modules/" + kver + "/"
	var dep bytes.Buffer
	if err := modules.WriteDep(&dep, mods); err != nil {
		return nil, nil, err
	}
	a.AddBytes(base+"modules.dep", dep.Bytes(), 0o644)
	if bi, err := fs.ReadFile(modRoot, "modules.builtin"); err == nil {
		a.AddBytes(base+"modules.builtin", bi, 0o644)
	}
	for _, mod := range mods {
		ko, err := tree.Read(mod)
		if err != nil {
			return nil, nil, err
		}
		a.AddBytes(base+mod.Path, ko, 0o644)
	}
	for _, name := range slices.Sorted(maps.Keys(firmware)) {
		a.AddBytes(name, firmware[name], 0o644)
	}
	var out bytes.Buffer
	if _, err := a.WriteTo(&out); err != nil {
		return nil, nil, err
	}
	names := make([]string, len(mods))
	for i, mod := range mods {
		names[i] = mod.Name
	}
	return out.Bytes(), names, nil
}

// cairnBinary returns o.Binary's contents or cross-compiles cairn, and
// checks that it is a static executable for the board.
func cairnBinary(ctx context.Context, o Options) ([]byte, error) {
	path := o.Binary
	if path == "" {
		src := o.SourceDir
		if src == "" {
			var err error
			if src, err = findModuleRoot(); err != nil {
				return nil, err
			}
		}
		tmp, err := os.MkdirTemp("", "cairn-image-")
		if err != nil {
			return nil, fmt.Errorf("image: %w", err)
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, "cairn")
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", path, "./cmd/cairn")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+o.Board.GOARCH)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("image: build cairn for linux/%s in %s: %w\n%s", o.Board.GOARCH, src, err, out)
		}
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	if err := checkStatic(bin, o.Board.GOARCH); err != nil {
		return nil, fmt.Errorf("image: %s: %w; build it with CGO_ENABLED=0 GOOS=linux GOARCH=%s go build ./cmd/cairn", path, err, o.Board.GOARCH)
	}
	return bin, nil
}

// checkStatic reports a binary that is not ELF for goarch or that needs a
// dynamic loader (the initramfs has none).
func checkStatic(bin []byte, goarch string) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return fmt.Errorf("not an ELF executable: %w", err)
	}
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[goarch]
	if f.Machine != want {
		return fmt.Errorf("built for %v, the board needs %v", f.Machine, want)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errors.New("dynamically linked (the initramfs has no libc)")
		}
	}
	return nil
}

// findModuleRoot walks up from the working directory to the cairn module.
func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("image: %w", err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("image: not inside the cairn source tree, so cairn cannot be built; run from it or pass a static binary (--binary)")
		}
		dir = parent
	}
}

// writeImage writes the disk to a temporary file and renames it to out.
func writeImage(out string, l disk.Layout, files map[string][]byte) error {
	tmp := out + ".tmp"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	err = disk.Write(f, l, files)
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("image: write %s: %w", out, err)
	}
	return nil
}

func ref(p debian.Package) PackageRef {
	return PackageRef{Name: p.Name, Version: p.Version, Arch: p.Arch, SHA256: p.SHA256}
}

func fileRef(b []byte) FileRef {
	s := sha256.Sum256(b)
	return FileRef{Size: int64(len(b)), SHA256: hex.EncodeToString(s[:])}
}

func hashFile(path string) (FileRef, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileRef{}, fmt.Errorf("image: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileRef{}, fmt.Errorf("image: hash %s: %w", path, err)
	}
	return FileRef{Path: path, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func size(n int) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

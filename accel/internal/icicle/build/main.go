// Command build compiles icicle's native libraries for Cairn's `icicle` build
// tag and prints the cgo flags that point the Go wrappers at them.
//
//	go run ./accel/internal/icicle/build               # build (or reuse) the CPU libraries
//	go run ./accel/internal/icicle/build --print-env   # only `export CGO_…=…` lines, for a Makefile
//	go run ./accel/internal/icicle/build --cuda        # also the CUDA backend (needs nvcc and its source)
//	go run ./accel/internal/icicle/build --flavour gnark --cuda   # icicle-gnark with its open CUDA backend
//
// It finds the icicle v3 Go module (go list -m, else go mod download), copies
// its C++ tree into a work directory beside the cache, configures cmake for
// BN254 only (CPU backend; CUDA only with --cuda), builds with one job per
// core and installs into the cache directory, by default
// ${XDG_CACHE_HOME:-$HOME/.cache}/cairn/icicle/<version>-<cpu|cuda>. A cache
// that already holds the libraries is reused and nothing is built. The module
// cache itself is never written to.
//
// --flavour gnark builds github.com/ingonyama-zk/icicle-gnark/v3 instead (the
// `icicle icicle_gnark` tags, see accel/internal/icicle/binding): MSM, G2 MSM
// and NTT only, no Taskflow, and a CUDA backend that ships in the module, so
// --cuda needs only nvcc. Its cache is <version>-gnark-<cpu|cuda>.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

const curve = "bn254"

// flavour is one icicle v3 source tree the Go wrappers can link.
type flavour struct {
	// name is the --flavour value; "" for the default.
	name string
	// modulePath and defaultVersion: the module and the version Cairn is
	// tested with. The version in go.mod wins when it is required there.
	modulePath, defaultVersion string
	// libs are the shared libraries its Go wrappers link for BN254.
	libs []string
	// tags are the build tags that select it.
	tags string
	// cudaInModule reports whether the module holds its CUDA backend source.
	cudaInModule bool
	// taskflow reports whether its CPU backend fetches Taskflow.
	taskflow bool
}

var flavours = map[string]flavour{
	"v3": {
		modulePath: "github.com/ingonyama-zk/icicle/v3", defaultVersion: "v3.9.2",
		libs:     []string{"libicicle_device.so", "libicicle_field_" + curve + ".so", "libicicle_curve_" + curve + ".so", "libicicle_hash.so"},
		tags:     "icicle",
		taskflow: true,
	},
	"gnark": {
		name:       "gnark",
		modulePath: "github.com/ingonyama-zk/icicle-gnark/v3", defaultVersion: "v3.2.2",
		libs:         []string{"libicicle_device.so", "libicicle_field_" + curve + ".so", "libicicle_curve_" + curve + ".so"},
		tags:         "icicle,icicle_gnark",
		cudaInModule: true,
	},
}

// taskflowDir is the offline copy of Taskflow v3.8.0 (the commit icicle's CPU
// backend fetches at configure time), relative to the repository root.
const taskflowDir = "../shared/third_party/taskflow-3.8.0"

type options struct {
	flavour    flavour
	cudaArch   string
	prefix     string
	cuda       bool
	cudaSrc    string
	printEnv   bool
	printPath  bool
	taskflow   string
	force      bool
	keepBuild  bool
	jobs       int
	repoRoot   string
	verbose    bool
	stdout     io.Writer
	stderr     io.Writer
	moduleDir  string // set by locate
	modVersion string // set by locate
}

func main() {
	var o options
	name := flag.String("flavour", "v3", "icicle source tree: v3 (github.com/ingonyama-zk/icicle/v3, tag icicle) or gnark (icicle-gnark/v3, tags icicle,icicle_gnark; open CUDA backend)")
	flag.StringVar(&o.cudaArch, "cuda-arch", "", "CUDA architectures for --cuda (cmake list, e.g. 90 for H100/H200; default: the GPUs of this machine)")
	flag.StringVar(&o.prefix, "prefix", "", "install directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/cairn/icicle/<version>-<cpu|cuda>)")
	flag.BoolVar(&o.cuda, "cuda", false, "also build the CUDA backend (needs nvcc and the icicle CUDA backend source, see --cuda-src)")
	flag.StringVar(&o.cudaSrc, "cuda-src", os.Getenv("ICICLE_CUDA_BACKEND_SRC"), "directory holding the icicle CUDA backend source, copied to icicle/backend/cuda (env ICICLE_CUDA_BACKEND_SRC)")
	flag.StringVar(&o.taskflow, "taskflow", os.Getenv("ICICLE_TASKFLOW_DIR"), "offline Taskflow v3.8.0 source (default <repo>/"+taskflowDir+" when present; env ICICLE_TASKFLOW_DIR)")
	flag.BoolVar(&o.printPath, "print-prefix", false, "print only the install directory of an already built cache (exit 1 when it is missing)")
	flag.BoolVar(&o.printEnv, "print-env", false, "print only `export CGO_…` lines for an already built cache (exit 1 when it is missing)")
	flag.BoolVar(&o.force, "force", false, "rebuild even when the cache holds the libraries")
	flag.BoolVar(&o.keepBuild, "keep-build", false, "keep the cmake work directory after installing")
	flag.IntVar(&o.jobs, "j", runtime.NumCPU(), "parallel compile jobs (about 0.5 GB of memory each)")
	flag.BoolVar(&o.verbose, "v", false, "show cmake's output")
	flag.Parse()
	f, ok := flavours[*name]
	if !ok {
		fmt.Fprintf(os.Stderr, "icicle build: --flavour %q: want v3 or gnark\n", *name)
		os.Exit(2)
	}
	o.flavour = f
	o.stdout, o.stderr = os.Stdout, os.Stderr
	if err := run(&o); err != nil {
		fmt.Fprintf(os.Stderr, "icicle build: %v\n", err)
		os.Exit(1)
	}
}

func run(o *options) error {
	if o.flavour.modulePath == "" {
		o.flavour = flavours["v3"]
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	o.repoRoot = root
	if o.prefix == "" {
		// The version is needed for the default prefix; --print-env must stay
		// quiet and fast, so it asks go list only (no download).
		quiet := o.printEnv || o.printPath
		if err := locate(o, !quiet); err != nil && !quiet {
			return err
		}
		if o.modVersion == "" {
			o.modVersion = o.flavour.defaultVersion
		}
		o.prefix, err = defaultPrefix(o.flavour, o.modVersion, o.cuda)
		if err != nil {
			return err
		}
	}
	o.prefix, err = filepath.Abs(o.prefix)
	if err != nil {
		return err
	}

	if o.printEnv || o.printPath {
		if !cached(o.prefix, o.flavour.libs) {
			return fmt.Errorf("no icicle libraries in %s: run `make icicle` (go run ./accel/internal/icicle/build) first", o.prefix)
		}
		if o.printPath {
			fmt.Fprintln(o.stdout, o.prefix)
			return nil
		}
		printEnv(o.stdout, o.prefix, o.flavour.tags, true)
		return nil
	}

	if cached(o.prefix, o.flavour.libs) && !o.force {
		fmt.Fprintf(o.stdout, "icicle: cache %s already holds the libraries; nothing to build (use --force to rebuild)\n", o.prefix)
		printLibSizes(o.stdout, o.prefix, o.flavour.libs)
		printEnv(o.stdout, o.prefix, o.flavour.tags, false)
		return nil
	}
	if o.moduleDir == "" {
		if err := locate(o, true); err != nil {
			return err
		}
	}
	return build(o)
}

// repoRoot returns the directory of the main module's go.mod.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w (is the go command on PATH?)", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run this from the cairn repository")
	}
	return filepath.Dir(gomod), nil
}

type moduleInfo struct {
	Path    string
	Version string
	Dir     string
	Error   any
}

// locate finds the icicle module source: first as required by go.mod (go list
// -m), then by downloading the pinned version into the module cache.
func locate(o *options, download bool) error {
	var m moduleInfo
	out, err := exec.Command("go", "list", "-m", "-json", o.flavour.modulePath).Output()
	if err == nil && json.Unmarshal(out, &m) == nil && m.Dir != "" {
		o.moduleDir, o.modVersion = m.Dir, m.Version
		return nil
	}
	if m.Version != "" {
		o.modVersion = m.Version
	}
	if !download {
		return errors.New("icicle module not found by go list")
	}
	version := o.modVersion
	if version == "" {
		version = o.flavour.defaultVersion
	}
	modulePath := o.flavour.modulePath
	cmd := exec.Command("go", "mod", "download", "-json", modulePath+"@"+version)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		return fmt.Errorf("go mod download %s@%s: %w: %s(check GOPROXY and the network, or run `go get %s@%s`)",
			modulePath, version, err, stderr.String(), modulePath, version)
	}
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		return fmt.Errorf("go mod download %s@%s: no directory in %q", modulePath, version, out)
	}
	o.moduleDir, o.modVersion = m.Dir, version
	return nil
}

func defaultPrefix(f flavour, version string, cuda bool) (string, error) {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory: %w (set XDG_CACHE_HOME or pass --prefix)", err)
		}
		base = filepath.Join(home, ".cache")
	}
	kind := "cpu"
	if cuda {
		kind = "cuda"
	}
	if f.name != "" {
		kind = f.name + "-" + kind
	}
	return filepath.Join(base, "cairn", "icicle", version+"-"+kind), nil
}

// cached reports whether prefix/lib holds every library in libs.
func cached(prefix string, libs []string) bool {
	for _, l := range libs {
		if fi, err := os.Stat(filepath.Join(prefix, "lib", l)); err != nil || fi.Size() == 0 {
			return false
		}
	}
	return true
}

// printEnv prints the cgo flags for the libraries in prefix. The rpath lets
// test binaries find the libraries without LD_LIBRARY_PATH.
func printEnv(w io.Writer, prefix, tags string, only bool) {
	lib := filepath.Join(prefix, "lib")
	ld := fmt.Sprintf("-L%s -Wl,-rpath,%s", lib, lib)
	cf := "-I" + filepath.Join(prefix, "include")
	if !only {
		fmt.Fprintf(w, "icicle: use these with `go build/test -tags %s` (or eval \"$(go run ./accel/internal/icicle/build --print-env)\" with the same flags):\n", tags)
	}
	fmt.Fprintf(w, "export CGO_ENABLED=1\n")
	fmt.Fprintf(w, "export CGO_LDFLAGS=%s\n", shellQuote(ld))
	fmt.Fprintf(w, "export CGO_CFLAGS=%s\n", shellQuote(cf))
}

func shellQuote(s string) string {
	if !strings.ContainsAny(s, " \t'\"$\\") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func printLibSizes(w io.Writer, prefix string, libs []string) {
	var total int64
	for _, l := range libs {
		fi, err := os.Stat(filepath.Join(prefix, "lib", l))
		if err != nil {
			continue
		}
		total += fi.Size()
		fmt.Fprintf(w, "  %-28s %6.1f MB\n", l, float64(fi.Size())/1e6)
	}
	fmt.Fprintf(w, "  %-28s %6.1f MB\n", "total", float64(total)/1e6)
}

// needTool returns an error that says how to install a missing tool.
func needTool(name, pkg string) error {
	if _, err := exec.LookPath(name); err != nil {
		return fmt.Errorf("%s not found on PATH: install it (Debian/Ubuntu: `apt-get update && apt-get install -y %s`)", name, pkg)
	}
	return nil
}

func build(o *options) error {
	start := time.Now()
	if err := needTool("cmake", "cmake"); err != nil {
		return err
	}
	if err := needTool("make", "make"); err != nil {
		return err
	}
	if _, err := exec.LookPath("c++"); err != nil {
		if err := needTool("g++", "g++"); err != nil {
			return err
		}
	}
	if o.cuda {
		if err := needTool("nvcc", "nvidia-cuda-toolkit"); err != nil {
			return fmt.Errorf("--cuda: %w", err)
		}
		if o.cudaSrc == "" && !o.flavour.cudaInModule {
			return errors.New("--cuda: icicle's CUDA backend is not part of the Go module (upstream fetches it from a private repository); " +
				"pass --cuda-src DIR (or ICICLE_CUDA_BACKEND_SRC) with its source, or install Ingonyama's prebuilt CUDA backend " +
				"and point ICICLE_BACKEND_INSTALL_DIR at it at run time")
		}
	}
	fmt.Fprintf(o.stdout, "icicle: %s %s from %s\n", o.flavour.modulePath, o.modVersion, o.moduleDir)
	fmt.Fprintf(o.stdout, "icicle: installing into %s (%d jobs)\n", o.prefix, o.jobs)

	work := o.prefix + ".build"
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	src := filepath.Join(work, "src")
	step := time.Now()
	if err := copyTree(filepath.Join(o.moduleDir, "icicle"), src); err != nil {
		return fmt.Errorf("copy icicle source: %w", err)
	}
	if o.cuda && o.cudaSrc != "" {
		if err := copyTree(o.cudaSrc, filepath.Join(src, "backend", "cuda")); err != nil {
			return fmt.Errorf("copy CUDA backend source: %w", err)
		}
	}
	fmt.Fprintf(o.stdout, "icicle: copied source to %s in %s\n", src, since(step))

	n, err := patchTwoCore(src)
	if err != nil {
		return fmt.Errorf("2-core patch: %w", err)
	}
	if n == 0 {
		fmt.Fprintln(o.stdout, "icicle: 2-core fix not needed (no `get_nof_workers() - 1` worker count in the CPU backend)")
	} else {
		fmt.Fprintf(o.stdout, "icicle: 2-core fix applied at %d call sites (worker count clamped to >= 1)\n", n)
	}

	args, err := o.configureArgs(src, filepath.Join(work, "build"))
	if err != nil {
		return err
	}

	step = time.Now()
	fmt.Fprintln(o.stdout, "icicle: cmake configure …")
	if err := o.cmake(work, "configure", args...); err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "icicle: configured in %s\n", since(step))

	step = time.Now()
	fmt.Fprintf(o.stdout, "icicle: compiling with -j%d (about 2-3 min on 2 cores) …\n", o.jobs)
	if err := o.cmake(work, "build", "--build", filepath.Join(work, "build"), "-j", strconv.Itoa(o.jobs), "--target", "install"); err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "icicle: compiled and installed in %s\n", since(step))

	if !cached(o.prefix, o.flavour.libs) {
		return fmt.Errorf("build finished but %s/lib lacks one of %v; see %s/*.log", o.prefix, o.flavour.libs, work)
	}
	if err := writeStamp(o, time.Since(start)); err != nil {
		return err
	}
	if !o.keepBuild {
		if err := os.RemoveAll(work); err != nil {
			return err
		}
	}
	fmt.Fprintf(o.stdout, "icicle: done in %s; libraries:\n", since(start))
	printLibSizes(o.stdout, o.prefix, o.flavour.libs)
	printEnv(o.stdout, o.prefix, o.flavour.tags, false)
	return nil
}

// configureArgs returns cmake's configure arguments for the flavour: BN254
// only, the CPU backend, CUDA only with --cuda, and for v3 the offline
// Taskflow when there is one.
func (o *options) configureArgs(src, build string) ([]string, error) {
	args := []string{
		"-S", src, "-B", build,
		"-DCURVE=" + curve,
		"-DCPU_BACKEND=ON",
		"-DBUILD_TESTS=OFF",
		"-DCMAKE_BUILD_TYPE=Release",
		"-DCMAKE_INSTALL_PREFIX=" + o.prefix,
	}
	switch {
	case !o.cuda:
		args = append(args, "-DCUDA_BACKEND=OFF")
	case o.flavour.cudaInModule && o.cudaSrc == "":
		args = append(args, "-DCUDA_BACKEND=ON")
	default:
		args = append(args, "-DCUDA_BACKEND=local")
	}
	if o.cuda && o.cudaArch != "" {
		// icicle's CMake reads CUDA_ARCH (icicle-gnark) or takes
		// CMAKE_CUDA_ARCHITECTURES; both are set.
		args = append(args, "-DCUDA_ARCH="+o.cudaArch, "-DCMAKE_CUDA_ARCHITECTURES="+o.cudaArch)
	}
	if !o.flavour.taskflow {
		// G2 off: nvcc had not finished icicle-gnark's CUDA G2 MSM after
		// 5.5 min on 16 cores, and Cairn computes G2 on gnark-crypto with
		// this flavour (see accel/internal/icicle/binding).
		return append(args, "-DMSM=ON", "-DG2=OFF", "-DNTT=ON"), nil
	}
	args = append(args, "-DMETAL_BACKEND=OFF", "-DVULKAN_BACKEND=OFF")
	tf := o.taskflow
	if tf == "" {
		tf = filepath.Join(o.repoRoot, taskflowDir)
	} else if fi, err := os.Stat(filepath.Join(tf, "taskflow")); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("--taskflow %s: no taskflow/ source directory there", tf)
	}
	if fi, err := os.Stat(filepath.Join(tf, "taskflow")); err == nil && fi.IsDir() {
		args = append(args, "-DFETCHCONTENT_SOURCE_DIR_TASKFLOW="+tf, "-DFETCHCONTENT_FULLY_DISCONNECTED=ON")
		fmt.Fprintf(o.stdout, "icicle: using offline Taskflow from %s\n", tf)
	} else {
		fmt.Fprintln(o.stdout, "icicle: no offline Taskflow; cmake will fetch Taskflow v3.8.0 with git (needs network)")
	}
	return args, nil
}

// cmake runs cmake, logging to work/<name>.log; on failure it shows the tail.
func (o *options) cmake(work, name string, args ...string) error {
	logPath := filepath.Join(work, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command("cmake", args...)
	var w io.Writer = f
	if o.verbose {
		w = io.MultiWriter(f, o.stdout)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		f.Sync()
		tail := lastLines(logPath, 25)
		hint := ""
		switch {
		case strings.Contains(strings.ToLower(tail), "taskflow"):
			hint = fmt.Sprintf(" (Taskflow could not be fetched: pass --taskflow DIR with Taskflow v3.8.0, or put it in <repo>/%s)", taskflowDir)
		case strings.Contains(tail, "Killed") || strings.Contains(tail, "out of memory"):
			hint = " (the compiler ran out of memory: retry with fewer jobs, e.g. -j 1)"
		}
		return fmt.Errorf("cmake %s failed: %w%s\n--- last lines of %s ---\n%s", name, err, hint, logPath, tail)
	}
	return nil
}

func lastLines(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// twoCoreRE matches a CPU-backend worker pool sized one below the hardware
// thread count. On a 2-thread machine get_nof_workers() - 1 is… 1, but where
// get_nof_workers() already subtracts the main thread it is 0, and
// TasksManager aborts (`nof_workers > 0`, tasks_manager.h). icicle-gnark's
// tree has this bug; icicle v3.9.2 clamps with std::max(1, …) already.
var twoCoreRE = regexp.MustCompile(`TasksManager<([^;]*?)>\s*(\w+)\(\s*get_nof_workers\(([^()]*)\)\s*-\s*1\s*\)`)

// patchTwoCore rewrites matches of twoCoreRE in the copied CPU backend and
// returns how many call sites it changed.
func patchTwoCore(src string) (int, error) {
	total := 0
	dir := filepath.Join(src, "backend", "cpu")
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext != ".cpp" && ext != ".h" && ext != ".hpp" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n := len(twoCoreRE.FindAllIndex(b, -1))
		if n == 0 {
			return nil
		}
		b = twoCoreRE.ReplaceAll(b, []byte("TasksManager<$1> $2(std::max(1, get_nof_workers($3) - 1))"))
		if !bytes.Contains(b, []byte("#include <algorithm>")) {
			b = append([]byte("#include <algorithm>\n"), b...)
		}
		total += n
		return os.WriteFile(path, b, 0o644)
	})
	return total, err
}

// copyTree copies a directory, making the copy writable (module cache files
// are read-only).
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// writeStamp records what was built, so a cache can be told apart later.
func writeStamp(o *options, took time.Duration) error {
	st := map[string]any{
		"module":  o.flavour.modulePath,
		"version": o.modVersion,
		"curve":   curve,
		"cuda":    o.cuda,
		"jobs":    o.jobs,
		"seconds": int(took.Seconds()),
		"built":   time.Now().UTC().Format(time.RFC3339),
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	return os.WriteFile(filepath.Join(o.prefix, "cairn-icicle.json"), append(b, '\n'), 0o644)
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }

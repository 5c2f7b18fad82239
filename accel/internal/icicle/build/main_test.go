package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fakeCache(t *testing.T) string {
	t.Helper()
	prefix := t.TempDir()
	if err := os.MkdirAll(filepath.Join(prefix, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range flavours["v3"].libs {
		if err := os.WriteFile(filepath.Join(prefix, "lib", l), []byte("not really a library"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return prefix
}

func TestPrintEnvNeedsCache(t *testing.T) {
	var out bytes.Buffer
	o := &options{prefix: t.TempDir(), printEnv: true, stdout: &out, stderr: &out}
	err := run(o)
	if err == nil || !strings.Contains(err.Error(), "make icicle") {
		t.Fatalf("run(--print-env, empty cache) = %v, want an error that says to run make icicle", err)
	}
	if out.Len() != 0 {
		t.Errorf("--print-env printed %q without a cache", out.String())
	}
}

func TestPrintEnvWithCache(t *testing.T) {
	prefix := fakeCache(t)
	var out bytes.Buffer
	if err := run(&options{prefix: prefix, printEnv: true, stdout: &out, stderr: &out}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"export CGO_ENABLED=1",
		"export CGO_LDFLAGS='-L" + prefix + "/lib -Wl,-rpath," + prefix + "/lib'",
		"export CGO_CFLAGS=-I" + prefix + "/include",
	}
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("--print-env =\n%s\nwant\n%s", out.String(), strings.Join(want, "\n"))
	}
}

func TestCachedSkipsBuild(t *testing.T) {
	prefix := fakeCache(t)
	var out bytes.Buffer
	if err := run(&options{prefix: prefix, stdout: &out, stderr: &out}); err != nil {
		t.Fatalf("run(cached) = %v", err)
	}
	if !strings.Contains(out.String(), "nothing to build") {
		t.Errorf("run(cached) output lacks 'nothing to build':\n%s", out.String())
	}
	// A library of zero bytes (an interrupted install) is not a cache.
	if err := os.WriteFile(filepath.Join(prefix, "lib", flavours["v3"].libs[0]), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if cached(prefix, flavours["v3"].libs) {
		t.Error("cached() = true with an empty library file")
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"abc": "abc", "a b": "'a b'", "it's x": `'it'\''s x'`} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestGnarkFlavourConfigure pins the icicle-gnark configuration: its own
// cache directory, no Taskflow, G2 off, and with --cuda the CUDA backend from
// the module (no --cuda-src) for the architectures asked for.
func TestGnarkFlavourConfigure(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/cache")
	f := flavours["gnark"]
	prefix, err := defaultPrefix(f, f.defaultVersion, true)
	if err != nil || prefix != "/cache/cairn/icicle/v3.2.2-gnark-cuda" {
		t.Errorf("defaultPrefix(gnark, cuda) = %q, %v", prefix, err)
	}
	var out bytes.Buffer
	o := &options{flavour: f, cuda: true, cudaArch: "90", prefix: prefix, stdout: &out}
	args, err := o.configureArgs("src", "build")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(args, " ")
	for _, want := range []string{"-DCURVE=bn254", "-DCUDA_BACKEND=ON", "-DCUDA_ARCH=90", "-DG2=OFF", "-DMSM=ON", "-DNTT=ON"} {
		if !strings.Contains(got, want) {
			t.Errorf("configure args lack %s: %s", want, got)
		}
	}
	if strings.Contains(got, "TASKFLOW") || strings.Contains(got, "VULKAN") {
		t.Errorf("icicle-gnark configure args carry v3.9.2 options: %s", got)
	}

	// The default flavour without --cuda keeps CUDA off and its own cache.
	v3 := flavours["v3"]
	if p, _ := defaultPrefix(v3, v3.defaultVersion, false); p != "/cache/cairn/icicle/v3.9.2-cpu" {
		t.Errorf("defaultPrefix(v3, cpu) = %q", p)
	}
	o = &options{flavour: v3, prefix: "/p", stdout: &out, taskflow: ""}
	args, err = o.configureArgs("src", "build")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(args, " "); !strings.Contains(got, "-DCUDA_BACKEND=OFF") || strings.Contains(got, "-DG2=") {
		t.Errorf("v3 configure args = %s", got)
	}
}

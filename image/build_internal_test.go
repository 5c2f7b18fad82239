package image

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestCheckStatic(t *testing.T) {
	if err := checkStatic([]byte("#!/bin/sh\n"), "amd64"); err == nil || !strings.Contains(err.Error(), "not an ELF") {
		t.Errorf("checkStatic(script) = %v, want a not-ELF error", err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Skip(err)
	}
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[runtime.GOARCH]
	if other == "" {
		t.Skipf("no other architecture to compare on %s", runtime.GOARCH)
	}
	if err := checkStatic(bin, other); err == nil || !strings.Contains(err.Error(), "built for") {
		t.Errorf("checkStatic(%s binary, %s) = %v, want an architecture error", runtime.GOARCH, other, err)
	}
}

func TestFindModuleRoot(t *testing.T) {
	dir, err := findModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir + "/cmd/cairn"); err != nil {
		t.Errorf("findModuleRoot() = %s, which has no cmd/cairn", dir)
	}
}

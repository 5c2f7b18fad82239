package debian_test

import (
	"testing"

	"github.com/cairn-node/cairn/image/debian"
)

func TestParseDepends(t *testing.T) {
	out := `linux-image-amd64
  Depends: linux-image-6.1.0-56-amd64
  Depends: linux-image-amd64-signed-template
`
	if got, ok := debian.ParseDepends(out, "linux-image-"); !ok || got != "linux-image-6.1.0-56-amd64" {
		t.Errorf("ParseDepends() = %q, %v, want linux-image-6.1.0-56-amd64, true", got, ok)
	}
	if got, ok := debian.ParseDepends("linux-image-arm64:arm64\n  Depends: linux-image-6.1.0-56-arm64:arm64\n", "linux-image-"); !ok || got != "linux-image-6.1.0-56-arm64" {
		t.Errorf("ParseDepends(arm64) = %q, %v, want linux-image-6.1.0-56-arm64, true", got, ok)
	}
	if _, ok := debian.ParseDepends("x\n  Depends: linux-image-amd64-signed-template\n", "linux-image-"); ok {
		t.Error("ParseDepends(no ABI package) ok = true, want false")
	}
}

func TestParseShow(t *testing.T) {
	out := `Package: systemd-boot-efi
Source: systemd
Version: 252.39-1~deb12u2
Architecture: amd64
Filename: pool/main/s/systemd/systemd-boot-efi_252.39-1~deb12u2_amd64.deb
SHA256: 0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
Description: simple UEFI boot manager - EFI binaries

Package: systemd-boot-efi
Version: 252.1
`
	r, err := debian.ParseShow(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Package != "systemd-boot-efi" || r.Version != "252.39-1~deb12u2" || r.Architecture != "amd64" || r.SHA256[:4] != "0f1e" {
		t.Errorf("ParseShow() = %+v, want systemd-boot-efi 252.39-1~deb12u2 amd64 0f1e…", r)
	}
	if _, err := debian.ParseShow("Package: x\n"); err == nil {
		t.Error("ParseShow(no version) = nil error, want an error")
	}
}

func TestParseMirror(t *testing.T) {
	out := "Debian http://deb.debian.org/debian-security/ bookworm-security\nDebian http://deb.debian.org/debian/ bookworm\n"
	if got, ok := debian.ParseMirror(out); !ok || got != "http://deb.debian.org/debian" {
		t.Errorf("ParseMirror() = %q, %v, want http://deb.debian.org/debian, true", got, ok)
	}
	if got, ok := debian.ParseMirror("Ubuntu http://archive.ubuntu.com/ubuntu/ noble\n"); ok {
		t.Errorf("ParseMirror(no Debian origin) = %q, true, want false", got)
	}
}

func TestArchiveSourcesList(t *testing.T) {
	a := debian.Archive{Suite: "bookworm", Components: []string{"main", "non-free-firmware"}}
	want := "deb [signed-by=" + debian.ArchiveKeyring + "] http://m/debian bookworm main non-free-firmware\n"
	if got := a.SourcesList("http://m/debian"); got != want {
		t.Errorf("SourcesList() = %q, want %q", got, want)
	}
	if a.IsZero() || !(debian.Archive{}).IsZero() {
		t.Errorf("IsZero() wrong: %v for %v, %v for the zero Archive", a.IsZero(), a, (debian.Archive{}).IsZero())
	}
}

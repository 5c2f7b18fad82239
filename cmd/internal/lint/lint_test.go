// Package lint holds a test that greps the tree for patterns the style
// guide forbids (shared/specs/style.md §7), as pebble's internal/lint does.
package lint

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// rule is one forbidden pattern and where it is allowed.
type rule struct {
	name    string
	pattern *regexp.Regexp
	// allowed reports whether path may contain the pattern.
	allowed func(path string) bool
}

var rules = []rule{
	{
		name:    `errors wrapped with %v lose their chain; use %w`,
		pattern: regexp.MustCompile(`Errorf\(.*: %v", .*\berr\)`),
		allowed: func(string) bool { return false },
	},
	{
		name:    "log.Print* outside cmd/: libraries log with log/slog",
		pattern: regexp.MustCompile(`\blog\.(Print|Printf|Println|Fatal|Fatalf)\(`),
		allowed: func(p string) bool { return strings.HasPrefix(p, "cmd/") },
	},
	{
		name:    "node/ must not import an accel backend package directly (accel/internal/...)",
		pattern: regexp.MustCompile(`"github.com/cairn-node/cairn/accel/internal/`),
		allowed: func(p string) bool { return !strings.HasPrefix(p, "node/") },
	},
	{
		name:    "accel/ must not import node/, appliance/ or cmd/ (data paths are one-way)",
		pattern: regexp.MustCompile(`"github.com/cairn-node/cairn/(node|appliance|cmd)[/"]`),
		allowed: func(p string) bool { return !strings.HasPrefix(p, "accel/") },
	},
}

func repoRoot(t *testing.T) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestForbiddenPatterns(t *testing.T) {
	root := repoRoot(t)
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		checked++
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for line := 1; sc.Scan(); line++ {
			for _, r := range rules {
				if r.pattern.MatchString(sc.Text()) && !r.allowed(rel) {
					t.Errorf("%s:%d: %s\n\t%s", rel, line, r.name, strings.TrimSpace(sc.Text()))
				}
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("checked only %d Go files under %s; is the walk broken?", checked, root)
	}
}

package node_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/api"
)

func TestWithHandlerAndMiddleware(t *testing.T) {
	var seen []string
	n, err := node.New(testConfig(t),
		node.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))),
		node.WithHandler("GET /extra/", func(n *node.Node) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("extra " + r.URL.Path))
			})
		}),
		node.WithAPIMiddleware(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = append(seen, r.URL.Path)
				next.ServeHTTP(w, r)
			})
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := string(get(t, http.DefaultClient, n.URL()+"/extra/x")); got != "extra /extra/x" {
		t.Errorf("GET /extra/x = %q", got)
	}
	get(t, http.DefaultClient, n.URL()+api.HealthzPath)
	if strings.Join(seen, ",") != "/extra/x,"+api.HealthzPath {
		t.Errorf("middleware saw %q, want both requests", seen)
	}
}

func TestWithHandlerConflict(t *testing.T) {
	n, err := node.New(testConfig(t),
		node.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))),
		node.WithHandler("GET "+api.HealthzPath, func(*node.Node) http.Handler { return http.NotFoundHandler() }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	err = n.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "WithHandler") {
		t.Fatalf("Start with a conflicting route = %v, want a WithHandler error", err)
	}
}

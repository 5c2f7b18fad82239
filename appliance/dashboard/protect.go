package dashboard

import (
	"net/http"
	"strings"

	"github.com/cairn-node/cairn/appliance/dashboard/auth"
	"github.com/cairn-node/cairn/node/api"
)

// ProtectAPI returns a wrapper for node.WithAPIMiddleware that closes the
// node's own REST API too: every route but the dashboard (which checks
// its own routes) and GET /healthz then needs a session or an API token,
// and requests that change state must pass auth.SameOrigin. Before the
// device password is set, protected routes answer 401 and say to open the
// dashboard. The cairn CLI's remote commands send no token yet, so this is
// opt-in (cairn run --api-auth).
func ProtectAPI(a *auth.Auth) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.Path
			if p == "/" || strings.HasPrefix(p, Prefix) || (p == api.HealthzPath && r.Method == http.MethodGet) {
				next.ServeHTTP(w, r)
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead && !auth.SameOrigin(r) {
				writeError(w, http.StatusForbidden, "cross-origin request refused")
				return
			}
			if _, ok := a.Check(r); !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="cairn"`)
				msg := "this node's API needs an API token ('Authorization: Bearer <token>'); create one in the dashboard"
				if !a.PasswordSet() {
					msg = "this node's API needs a device password and an API token; open the dashboard to set them"
				}
				writeError(w, http.StatusUnauthorized, msg)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

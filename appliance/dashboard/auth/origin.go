package auth

import (
	"net/http"
	"net/url"
	"strings"
)

// SameOrigin reports whether r may change state as far as CSRF goes: a
// request whose Origin header (or, without one, Referer) names a host
// other than r.Host is refused, and so is a browser's cross-site request
// (Sec-Fetch-Site). A request with neither header comes from a script,
// not a browser page, and passes; it still needs credentials.
func SameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		o = r.Header.Get("Referer")
	}
	if o == "" {
		return true
	}
	if o == "null" {
		return false // sandboxed frames and some redirects
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

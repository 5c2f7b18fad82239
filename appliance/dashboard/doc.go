// Package dashboard is the appliance's web dashboard, served by the node
// on its API listener: machine status (uptime, CPU, memory, temperatures,
// disk), storage use, relay and proof counters, the accel backends, the
// node's recent logs, an optional prover-farm panel, and the reboot,
// power-off and update actions. The page is plain HTML, CSS and
// JavaScript embedded in the binary: no build step, no CDN.
//
// # Routes
//
// The page is served at [PagePattern] ("/"), its assets and JSON API under
// [Prefix] ("/dashboard/"):
//
//   - GET  /dashboard/api/session   whether a password is set and the caller logged in (public)
//   - POST /dashboard/api/setup     {"password"}: set the first password, log in (public, once)
//   - POST /dashboard/api/login     {"password"}: log in (public, rate-limited)
//   - POST /dashboard/api/logout
//   - POST /dashboard/api/password  {"old","new"}: change the password (session)
//   - GET  /dashboard/api/status    [Status]
//   - GET  /dashboard/api/logs?since=SEQ&limit=N  [Logs]
//   - GET  /dashboard/api/tokens, POST {"name"}, DELETE /dashboard/api/tokens/{id}  (session)
//   - POST /dashboard/api/actions/{reboot,poweroff,update}
//
// # Security
//
// Everything but the page, its assets, session, setup and login needs a
// session cookie or an API token ("Authorization: Bearer cairn_…"); see
// package auth. Token management and password changes need a session, so
// a leaked token cannot mint others. Every POST and DELETE must pass
// [auth.SameOrigin] (the CSRF check; the cookie is also SameSite=Strict).
// Responses carry a strict Content-Security-Policy and may not be framed.
//
// The node's own REST API (storage, relay, metrics) is not protected by
// the dashboard: the cairn CLI, make run and the tests use it without
// credentials. [ProtectAPI] closes it too, for nodes that serve a LAN
// where not everyone should upload or publish (cairn run --api-auth).
//
// # Usage
//
//	a, _ := auth.New(auth.Options{Dir: filepath.Join(dataDir, "dashboard")})
//	opts := dashboard.NodeOptions(dashboard.Options{Auth: a, Logs: ring,
//		System: sysstat.New(sysstat.Options{DataDir: dataDir})})
//	n, _ := node.New(cfg, opts...)
package dashboard

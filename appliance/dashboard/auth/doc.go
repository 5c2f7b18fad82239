// Package auth protects the appliance dashboard: one device password,
// sessions for browsers and API tokens for scripts.
//
//   - The password is set on the first visit ([Auth.Setup]) and kept as an
//     argon2id hash in <Dir>/auth.json, written atomically (temporary file,
//     fsync, rename, fsync of the directory) with mode 0600.
//   - [Auth.Login] checks it, at most [DefaultMaxFailures] failures per
//     client address per [DefaultFailureWindow], and returns a session ID
//     for the HttpOnly, SameSite=Strict cookie [CookieName]. Sessions live
//     in memory: a restart of the node logs everybody out.
//   - API tokens ([Auth.CreateToken]) are shown once and stored as SHA-256
//     hashes (they are 256-bit random, so a slow hash adds nothing); a
//     script sends one as "Authorization: Bearer <token>".
//   - [SameOrigin] is the CSRF check for requests that change state: with
//     SameSite=Strict cookies it refuses cross-site requests whose Origin
//     (or Referer) names another host.
//
// Every secret comparison is constant-time.
//
// # Usage
//
//	a, err := auth.New(auth.Options{Dir: "/data/cairn/dashboard"})
//	if !a.PasswordSet() { err = a.Setup(pw) }
//	sid, err := a.Login(clientIP, pw)
//	p, ok := a.Check(r) // session cookie or bearer token
package auth

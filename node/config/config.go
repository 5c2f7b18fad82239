// Package config holds the settings of a Cairn node and reads them from
// their four sources: the embedded defaults, a TOML file, CAIRN_*
// environment variables and command-line flags, each overriding the one
// before it key by key.
//
// # Usage
//
//	cfg, err := config.Load(config.Sources{
//		File:   configFlag,    // "" falls back to CAIRN_CONFIG, then to no file
//		Getenv: os.Getenv,
//		Flags:  config.Config{APIAddr: apiAddrFlag}, // zero fields are unset
//	})
//	if err != nil {
//		return err // says which key, which source and what to fix
//	}
//	n, err := node.New(cfg)
//
// [DefaultTOML] is the embedded default file; it documents every key.
// A Config built by hand should go through [Config.EnsureDefaults] and
// [Config.Validate] before use.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/multiformats/go-multiaddr"

	"github.com/cairn-node/cairn/accel"
)

//go:embed default.toml
var defaultTOML []byte

// DefaultTOML returns the embedded default configuration file. Every key is
// listed with its default value and a comment. The caller may modify the
// returned slice.
func DefaultTOML() []byte { return bytes.Clone(defaultTOML) }

// Defaults that do not come from the embedded file, or that code elsewhere
// needs by name.
const (
	// DefaultAPIAddr is the default api_addr.
	DefaultAPIAddr = "127.0.0.1:8080"
	// DefaultListen is the default libp2p listen address for peers.
	DefaultListen = "/ip4/0.0.0.0/tcp/0"
	// DefaultListenWebSocket is the default WebSocket listen address, for
	// browsers (js-waku light clients).
	DefaultListenWebSocket = "/ip4/0.0.0.0/tcp/0/ws"
	// DefaultMetricsPath is the default metrics_path.
	DefaultMetricsPath = "/metrics"
	// DefaultLogLevel is the default log_level.
	DefaultLogLevel = "info"
	// DefaultDHT is the default dht mode.
	DefaultDHT = "auto"
	// DefaultStorageQuota is the default storage.quota (Logos Storage's).
	DefaultStorageQuota = "20GiB"
	// DefaultStorageTTL is the default storage.ttl: 30 days.
	DefaultStorageTTL = "720h"
	// DefaultProofSelfCheck is the default storage.proof_selfcheck.
	DefaultProofSelfCheck = "6h"
	// DataDirName is the directory created under $XDG_DATA_HOME.
	DataDirName = "cairn"
	// LocalDataDir is the data directory used when XDG_DATA_HOME is unset,
	// relative to the working directory.
	LocalDataDir = ".cairn"
)

// Reserved API paths that metrics_path may not take.
var reservedPaths = []string{"/healthz", "/api/"}

// Config is the configuration of one node. The TOML names are those of the
// config file; the embedded default file (see [DefaultTOML]) documents each
// key. For every field, the zero value means the default, except where
// noted. A Config is a plain value: copy it freely.
type Config struct {
	// DataDir is the directory that holds the node's state; it is created
	// with mode 0700 if missing and locked while a node uses it.
	// Default: $XDG_DATA_HOME/cairn when XDG_DATA_HOME is set, else
	// ./.cairn. Env CAIRN_DATA_DIR, flag --data-dir.
	DataDir string `toml:"data_dir"`

	// APIAddr is the HOST:PORT of the HTTP API; port 0 picks a free port.
	// Default: 127.0.0.1:8080. Env CAIRN_API_ADDR, flag --api-addr.
	APIAddr string `toml:"api_addr"`

	// Listen lists the libp2p multiaddrs the node listens on. Default:
	// ["/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/tcp/0/ws"]. An explicitly empty list is an error. Env
	// CAIRN_LISTEN (comma-separated), flag --listen (repeatable).
	Listen []string `toml:"listen"`

	// LogLevel is the lowest level logged: debug, info, warn or error.
	// Default: info. Env CAIRN_LOG_LEVEL, flag --log-level.
	LogLevel string `toml:"log_level"`

	// MetricsPath is the API path serving Prometheus metrics. Default:
	// /metrics. Env CAIRN_METRICS_PATH.
	MetricsPath string `toml:"metrics_path"`

	// Accel is the kernel routing policy (TOML table [accel], with
	// backend = "simd" and [accel.kernels] erasure = "go"). The zero value
	// routes automatically by input size. Env CAIRN_ACCEL and
	// CAIRN_ACCEL_<KERNEL>.
	Accel accel.Policy `toml:"accel"`

	// Storage configures the dataset store (TOML table [storage]).
	Storage Storage `toml:"storage"`

	// DHT is the kad-DHT mode among Cairn nodes: off, client, server or
	// auto (server when AutoNAT finds the node reachable). Default: auto.
	// Env CAIRN_DHT.
	DHT string `toml:"dht"`

	// Bootstrap lists peers to dial at start and seed the DHT with, as
	// multiaddrs ending in /p2p/<peer id>. Default: none (the node dials
	// no one by itself). Env CAIRN_BOOTSTRAP, comma-separated.
	Bootstrap []string `toml:"bootstrap"`

	// Waku configures the Waku services (TOML table [waku]).
	Waku Waku `toml:"waku"`
	// Farm configures the use of a prover farm (TOML table [farm]).
	Farm Farm `toml:"farm"`
}

// DHTModes are the values of Config.DHT.
var DHTModes = []string{"off", "client", "server", "auto"}

// Storage configures the dataset store.
type Storage struct {
	// Quota caps the bytes of stored blocks, as a size with a unit (B,
	// KiB, MiB, GiB, TiB; KB, MB, GB, TB). Default: 20GiB. Env
	// CAIRN_STORAGE_QUOTA.
	Quota string `toml:"quota"`
	// TTL is how long a dataset lives after its last upload or fetch, as
	// a Go duration ("720h"). Default: 720h (30 days). Env
	// CAIRN_STORAGE_TTL.
	TTL string `toml:"ttl"`
	// ProofSelfCheck is how often the node proves every slot of every
	// erasure-coded dataset it stores (storage proofs with one sample;
	// see prover.Service.SelfCheckAll), exporting cairn_storage_proof_selfcheck_ok{cid} and
	// raising a dashboard alarm when a proof fails; a Go duration, "0"
	// turns it off. Default: 6h. Env CAIRN_STORAGE_PROOF_SELFCHECK.
	ProofSelfCheck string `toml:"proof_selfcheck"`
}

// ProofSelfCheckInterval returns Storage.ProofSelfCheck (0: off, or
// invalid; Validate reports that).
func (s Storage) ProofSelfCheckInterval() time.Duration {
	d, _ := time.ParseDuration(s.ProofSelfCheck)
	return max(d, 0)
}

// QuotaBytes returns Storage.Quota in bytes (0 when invalid; Validate
// reports it).
func (s Storage) QuotaBytes() uint64 {
	n, _ := ParseSize(s.Quota)
	return n
}

// TTLDuration returns Storage.TTL (0 when invalid; Validate reports it).
func (s Storage) TTLDuration() time.Duration {
	d, _ := time.ParseDuration(s.TTL)
	return d
}

// sizeUnits are the units ParseSize accepts, longest first.
var sizeUnits = []struct {
	suffix string
	mult   uint64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
}

// ParseSize parses a byte size such as "20GiB", "500MB" or "4096" (bytes).
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	mult := uint64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil || n > math.MaxUint64/mult {
		return 0, fmt.Errorf("not a size; write a whole number with a unit, such as 20GiB or 500MB")
	}
	return n * mult, nil
}

// Default returns the defaults of the embedded file, with DataDir still
// empty: [Config.EnsureDefaults] resolves it from the environment.
func Default() Config {
	var c Config
	if err := decode(defaultTOML, "embedded default config", &c, nil); err != nil {
		panic("BUG: embedded default.toml: " + err.Error())
	}
	if len(c.Accel.Kernels) == 0 {
		c.Accel.Kernels = nil
	}
	if len(c.Bootstrap) == 0 {
		c.Bootstrap = nil
	}
	if len(c.Waku.Discv5Bootnodes) == 0 {
		c.Waku.Discv5Bootnodes = nil
	}
	if len(c.Waku.DNSDiscovery) == 0 {
		c.Waku.DNSDiscovery = nil
	}
	return c
}

// DefaultDataDir returns $XDG_DATA_HOME/cairn when XDG_DATA_HOME is set and
// absolute (as the XDG spec requires), else ./.cairn. getenv nil means
// os.Getenv.
func DefaultDataDir(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if x := getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, DataDirName)
	}
	return "." + string(filepath.Separator) + LocalDataDir
}

// EnsureDefaults fills the zero fields of c with their defaults and returns
// the result (a zero Waku table as a whole gets the default one); getenv (os.Getenv when nil) is read for XDG_DATA_HOME only.
// A non-nil but empty Listen is kept, so Validate reports it.
func (c Config) EnsureDefaults(getenv func(string) string) Config {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir(getenv)
	}
	if c.APIAddr == "" {
		c.APIAddr = DefaultAPIAddr
	}
	if c.Listen == nil {
		c.Listen = []string{DefaultListen, DefaultListenWebSocket}
	}
	if c.LogLevel == "" {
		c.LogLevel = DefaultLogLevel
	}
	if c.MetricsPath == "" {
		c.MetricsPath = DefaultMetricsPath
	}
	if c.Storage.Quota == "" {
		c.Storage.Quota = DefaultStorageQuota
	}
	if c.DHT == "" {
		c.DHT = DefaultDHT
	}
	if c.Storage.TTL == "" {
		c.Storage.TTL = DefaultStorageTTL
	}
	if c.Storage.ProofSelfCheck == "" {
		c.Storage.ProofSelfCheck = DefaultProofSelfCheck
	}
	if reflect.ValueOf(c.Waku).IsZero() {
		c.Waku = Default().Waku
	}
	if reflect.ValueOf(c.Farm).IsZero() {
		c.Farm = Default().Farm
	}
	return c
}

// KeyError reports one invalid setting. Validate returns them, joined with
// errors.Join; use errors.As to inspect them.
type KeyError struct {
	// Key is the TOML key, e.g. "api_addr" or "accel.kernels.erasure".
	Key string
	// Value is the offending value as written.
	Value string
	// Source names where the value came from ("CAIRN_API_ADDR",
	// "--api-addr", a file name). Empty when unknown; Load fills it.
	Source string
	// Problem says what is wrong and how to fix it.
	Problem string
}

func (e *KeyError) Error() string {
	from := ""
	if e.Source != "" {
		from = " (from " + e.Source + ")"
	}
	return fmt.Sprintf("config: %s = %q%s: %s", e.Key, e.Value, from, e.Problem)
}

// Validate checks every setting and returns nil or one *KeyError per bad
// key, joined. Each message names the key and says what to fix. Validate
// expects defaults to be filled (see EnsureDefaults): empty values are
// errors.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, value, problem string) {
		errs = append(errs, &KeyError{Key: key, Value: value, Problem: problem})
	}
	if c.DataDir == "" {
		bad("data_dir", c.DataDir, "empty; set a directory with --data-dir or CAIRN_DATA_DIR")
	}
	if err := checkHostPort(c.APIAddr); err != nil {
		bad("api_addr", c.APIAddr, err.Error()+"; use HOST:PORT such as "+DefaultAPIAddr+" (port 0 picks a free port)")
	}
	if len(c.Listen) == 0 {
		bad("listen", "", "no address; give at least one multiaddr such as "+DefaultListen)
	}
	for i, a := range c.Listen {
		if _, err := multiaddr.NewMultiaddr(a); err != nil {
			bad(fmt.Sprintf("listen[%d]", i), a, "not a multiaddr ("+err.Error()+"); write it like "+DefaultListen)
		}
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		bad("log_level", c.LogLevel, err.Error())
	}
	if err := checkPath(c.MetricsPath); err != nil {
		bad("metrics_path", c.MetricsPath, err.Error())
	}
	if !slices.Contains(DHTModes, c.DHT) {
		bad("dht", c.DHT, "want off, client, server or auto")
	}
	for i, a := range c.Bootstrap {
		ma, err := multiaddr.NewMultiaddr(a)
		if err == nil {
			_, err = ma.ValueForProtocol(multiaddr.P_P2P)
		}
		if err != nil {
			bad(fmt.Sprintf("bootstrap[%d]", i), a, "want a multiaddr ending in /p2p/<peer id>, such as /ip4/192.0.2.1/tcp/8070/p2p/16Uiu2…")
		}
	}
	if n, err := ParseSize(c.Storage.Quota); err != nil || n == 0 {
		bad("storage.quota", c.Storage.Quota, "want a positive size such as "+DefaultStorageQuota)
	}
	if d, err := time.ParseDuration(c.Storage.TTL); err != nil || d <= 0 {
		bad("storage.ttl", c.Storage.TTL, "want a positive duration such as "+DefaultStorageTTL+" (30 days)")
	}
	if d, err := time.ParseDuration(c.Storage.ProofSelfCheck); err != nil || d < 0 || (d > 0 && d < time.Minute) {
		bad("storage.proof_selfcheck", c.Storage.ProofSelfCheck, "want a duration of at least 1m such as "+DefaultProofSelfCheck+", or 0 for off")
	}
	c.Waku.validate(bad)
	c.Farm.validate(bad)
	if f := c.Accel.Force; f != "" && !isBackend(f) {
		bad("accel.backend", string(f), "unknown backend; use go, simd, icicle, or \"\" / auto to route by size")
	}
	for k, b := range c.Accel.Kernels {
		key := "accel.kernels." + string(k)
		if !isKernel(k) {
			bad(key, string(b), "unknown kernel "+strconv.Quote(string(k))+"; kernels are "+kernelNames())
		} else if !isBackend(b) {
			bad(key, string(b), "unknown backend; use go, simd, icicle, or remove the key to route by size")
		}
	}
	return errors.Join(errs...)
}

// Level returns LogLevel as a slog level; an invalid level gives
// slog.LevelInfo (Validate reports it).
func (c Config) Level() slog.Level {
	l, err := ParseLogLevel(c.LogLevel)
	if err != nil {
		return slog.LevelInfo
	}
	return l
}

// ParseLogLevel parses debug, info, warn or error, in any case.
func ParseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, errors.New("unknown log level; use debug, info, warn or error")
}

// String returns c as TOML that Parse reads back to an equal Config.
func (c Config) String() string {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(c); err != nil {
		// Config holds only strings, slices and string maps.
		panic("BUG: encode config: " + err.Error())
	}
	return b.String()
}

// Parse reads a whole config from TOML, without defaults: keys absent from
// data stay zero. Unknown keys are errors that name the key.
func Parse(data []byte) (Config, error) {
	var c Config
	err := decode(data, "config", &c, nil)
	return c, err
}

// decode decodes TOML into c, failing on unknown keys. When defined is not
// nil it receives the keys present in data, as dotted strings.
func decode(data []byte, name string, c *Config, defined map[string]bool) error {
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return fmt.Errorf("config: %s: %s", name, pe.ErrorWithPosition())
		}
		return fmt.Errorf("config: %s: %w", name, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		keys := make([]string, len(u))
		for i, k := range u {
			keys[i] = strconv.Quote(k.String())
		}
		return fmt.Errorf("config: %s: unknown key %s; remove it or fix its spelling (`cairn config --default` lists the keys)",
			name, strings.Join(keys, ", "))
	}
	if defined != nil {
		for _, k := range md.Keys() {
			defined[k.String()] = true
		}
	}
	return nil
}

// checkHostPort accepts HOST:PORT with a numeric port; HOST may be empty
// (all interfaces), an IP or a name.
func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			return errors.New(ae.Err)
		}
		return err
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// checkPath accepts an absolute URL path of plain characters that does not
// shadow another API path.
func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") || len(p) < 2 {
		return errors.New("not an absolute URL path; use one such as " + DefaultMetricsPath)
	}
	for _, r := range p {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-._~", r)
		if !ok {
			return fmt.Errorf("character %q is not allowed; use letters, digits and / - . _ ~", r)
		}
	}
	for _, r := range reservedPaths {
		if p == strings.TrimSuffix(r, "/") || strings.HasPrefix(p, r) {
			return fmt.Errorf("%s is taken by the API; use another path such as %s", r, DefaultMetricsPath)
		}
	}
	return nil
}

func isBackend(b accel.Backend) bool {
	for _, k := range accel.Backends {
		if b == k {
			return true
		}
	}
	return false
}

func isKernel(k accel.Kernel) bool {
	for _, x := range accel.Kernels {
		if k == x {
			return true
		}
	}
	return false
}

func kernelNames() string {
	s := make([]string, len(accel.Kernels))
	for i, k := range accel.Kernels {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

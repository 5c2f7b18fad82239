package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/config"
)

// envMap returns a getenv over m.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefault(t *testing.T) {
	want := config.Config{
		APIAddr:     "127.0.0.1:8080",
		Listen:      []string{"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/tcp/0/ws"},
		LogLevel:    "info",
		MetricsPath: "/metrics",
		Storage:     config.Storage{Quota: "20GiB", TTL: "720h", ProofSelfCheck: "6h"},
		DHT:         "auto",
		Waku:        defaultWaku,
		Farm:        defaultFarm,
	}
	if got := config.Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("Default() = %#v, want %#v", got, want)
	}
	// The constants, EnsureDefaults and the embedded file agree.
	if got := (config.Config{}).EnsureDefaults(envMap(nil)); !reflect.DeepEqual(got, withDataDir(want, "./.cairn")) {
		t.Errorf("Config{}.EnsureDefaults() = %#v, want %#v", got, withDataDir(want, "./.cairn"))
	}
	if err := config.Default().EnsureDefaults(envMap(nil)).Validate(); err != nil {
		t.Errorf("default config: Validate() = %v, want nil", err)
	}
}

// TestDefaultTOMLDocumentsEveryKey checks that the embedded file lists every
// key of Config, so it stays the reference for users.
func TestDefaultTOMLDocumentsEveryKey(t *testing.T) {
	var v map[string]any
	md, err := toml.Decode(string(config.DefaultTOML()), &v)
	if err != nil {
		t.Fatalf("decode DefaultTOML(): %v", err)
	}
	keys := map[string]bool{}
	for _, k := range md.Keys() {
		keys[k.String()] = true
	}
	var want []string
	ct := reflect.TypeFor[config.Config]()
	for i := range ct.NumField() {
		want = append(want, ct.Field(i).Tag.Get("toml"))
	}
	pt := reflect.TypeFor[accel.Policy]()
	for i := range pt.NumField() {
		want = append(want, "accel."+pt.Field(i).Tag.Get("toml"))
	}
	for _, k := range want {
		if !keys[k] {
			t.Errorf("DefaultTOML() does not document key %q", k)
		}
	}
}

func TestDefaultDataDir(t *testing.T) {
	for _, tc := range []struct {
		name string
		xdg  string
		want string
	}{
		{"unset", "", "./.cairn"},
		{"xdg", "/home/u/.local/share", "/home/u/.local/share/cairn"},
		{"relative xdg ignored", "rel/share", "./.cairn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := config.DefaultDataDir(envMap(map[string]string{"XDG_DATA_HOME": tc.xdg}))
			if got != tc.want {
				t.Errorf("DefaultDataDir(XDG_DATA_HOME=%q) = %q, want %q", tc.xdg, got, tc.want)
			}
		})
	}
}

func withDataDir(c config.Config, dir string) config.Config {
	c.DataDir = dir
	return c
}

func TestLoadPrecedence(t *testing.T) {
	base := config.Default().EnsureDefaults(envMap(nil))
	with := func(f func(*config.Config)) config.Config {
		c := base
		c.Listen = append([]string{}, base.Listen...)
		f(&c)
		return c
	}
	const file = `
data_dir = "/file/data"
api_addr = "127.0.0.1:7000"
listen = ["/ip4/127.0.0.1/tcp/7001", "/ip6/::1/tcp/7001"]
log_level = "debug"
metrics_path = "/file-metrics"

[accel]
backend = "simd"

[accel.kernels]
erasure = "go"
`
	for _, tc := range []struct {
		name    string
		file    string // config file contents; "" means no file
		viaEnv  bool   // name the file with CAIRN_CONFIG instead of Sources.File
		env     map[string]string
		flags   config.Config
		want    config.Config
		wantDir string // when set, want.DataDir is this under the temp dir
	}{
		{name: "defaults", want: base},
		{
			name: "xdg data dir",
			env:  map[string]string{"XDG_DATA_HOME": "/xdg"},
			want: with(func(c *config.Config) { c.DataDir = "/xdg/cairn" }),
		},
		{
			name: "file",
			file: file,
			want: config.Config{
				DataDir:     "/file/data",
				APIAddr:     "127.0.0.1:7000",
				Listen:      []string{"/ip4/127.0.0.1/tcp/7001", "/ip6/::1/tcp/7001"},
				LogLevel:    "debug",
				MetricsPath: "/file-metrics",
				Accel:       accel.Policy{Force: accel.SIMD, Kernels: map[accel.Kernel]accel.Backend{accel.KernelErasure: accel.Go}},
				Storage:     defaultStorage,
				Waku:        defaultWaku,
				Farm:        defaultFarm,
				DHT:         "auto",
			},
		},
		{
			name:   "file named by CAIRN_CONFIG",
			file:   "api_addr = \"127.0.0.1:7000\"\n",
			viaEnv: true,
			want:   with(func(c *config.Config) { c.APIAddr = "127.0.0.1:7000" }),
		},
		{
			name: "partial file keeps defaults",
			file: "log_level = \"warn\"\n[accel.kernels]\nsha256 = \"SIMD\"\nmerkle = \"auto\"\n",
			want: with(func(c *config.Config) {
				c.LogLevel = "warn"
				c.Accel.Kernels = map[accel.Kernel]accel.Backend{accel.KernelSHA256: accel.SIMD}
			}),
		},
		{
			name: "env over file",
			file: file,
			env: map[string]string{
				"CAIRN_DATA_DIR":      "/env/data",
				"CAIRN_API_ADDR":      "[::1]:7100",
				"CAIRN_LISTEN":        "/ip4/127.0.0.1/tcp/7101, /ip4/127.0.0.1/udp/7101/quic-v1,",
				"CAIRN_LOG_LEVEL":     "error",
				"CAIRN_METRICS_PATH":  "/env-metrics",
				"CAIRN_ACCEL_MERKLE":  "icicle",
				"CAIRN_STORAGE_QUOTA": "1TB",
				"CAIRN_STORAGE_TTL":   "24h",
				"XDG_DATA_HOME":       "/xdg",
			},
			want: config.Config{
				DataDir:     "/env/data",
				APIAddr:     "[::1]:7100",
				Listen:      []string{"/ip4/127.0.0.1/tcp/7101", "/ip4/127.0.0.1/udp/7101/quic-v1"},
				LogLevel:    "error",
				MetricsPath: "/env-metrics",
				Accel: accel.Policy{Force: accel.SIMD, Kernels: map[accel.Kernel]accel.Backend{
					accel.KernelErasure: accel.Go, accel.KernelMerkle: accel.Icicle,
				}},
				Storage: config.Storage{Quota: "1TB", TTL: "24h", ProofSelfCheck: "6h"},
				Waku:    defaultWaku,
				Farm:    defaultFarm,
				DHT:     "auto",
			},
		},
		{
			name: "CAIRN_ACCEL drops the file's per-kernel choices",
			file: file,
			env:  map[string]string{"CAIRN_ACCEL": "go"},
			want: config.Config{
				DataDir: "/file/data", APIAddr: "127.0.0.1:7000",
				Listen:   []string{"/ip4/127.0.0.1/tcp/7001", "/ip6/::1/tcp/7001"},
				LogLevel: "debug", MetricsPath: "/file-metrics",
				Accel:   accel.Policy{Force: accel.Go},
				Storage: defaultStorage,
				Waku:    defaultWaku,
				Farm:    defaultFarm,
				DHT:     "auto",
			},
		},
		{
			name: "CAIRN_ACCEL=auto and per-kernel auto",
			file: file,
			env:  map[string]string{"CAIRN_ACCEL": "auto", "CAIRN_ACCEL_SHA256": "simd"},
			want: config.Config{
				DataDir: "/file/data", APIAddr: "127.0.0.1:7000",
				Listen:   []string{"/ip4/127.0.0.1/tcp/7001", "/ip6/::1/tcp/7001"},
				LogLevel: "debug", MetricsPath: "/file-metrics",
				Accel:   accel.Policy{Kernels: map[accel.Kernel]accel.Backend{accel.KernelSHA256: accel.SIMD}},
				Storage: defaultStorage,
				Waku:    defaultWaku,
				Farm:    defaultFarm,
				DHT:     "auto",
			},
		},
		{
			name: "flags over env over file",
			file: file,
			env: map[string]string{
				"CAIRN_DATA_DIR": "/env/data", "CAIRN_API_ADDR": "127.0.0.1:7100",
				"CAIRN_LISTEN": "/ip4/127.0.0.1/tcp/7101", "CAIRN_LOG_LEVEL": "error",
			},
			flags: config.Config{
				DataDir: "/flag/data", APIAddr: "127.0.0.1:0",
				Listen: []string{"/ip4/127.0.0.1/tcp/7201"}, LogLevel: "WARN",
			},
			want: config.Config{
				DataDir: "/flag/data", APIAddr: "127.0.0.1:0",
				Listen: []string{"/ip4/127.0.0.1/tcp/7201"}, LogLevel: "WARN",
				MetricsPath: "/file-metrics",
				Accel:       accel.Policy{Force: accel.SIMD, Kernels: map[accel.Kernel]accel.Backend{accel.KernelErasure: accel.Go}},
				Storage:     defaultStorage,
				Waku:        defaultWaku,
				Farm:        defaultFarm,
				DHT:         "auto",
			},
		},
		{
			name:  "flag accel backend",
			env:   map[string]string{"CAIRN_ACCEL_ERASURE": "simd"},
			flags: config.Config{Accel: accel.Policy{Force: "Go"}},
			want:  with(func(c *config.Config) { c.Accel.Force = accel.Go }),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			src := config.Sources{Getenv: envMap(env), Flags: tc.flags}
			if tc.file != "" {
				path := filepath.Join(t.TempDir(), "cairn.toml")
				if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
				if tc.viaEnv {
					env["CAIRN_CONFIG"] = path
				} else {
					src.File = path
				}
			}
			got, err := config.Load(src)
			if err != nil {
				t.Fatalf("Load() error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Load() =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		file  string
		env   map[string]string
		flags config.Config
		want  []string // substrings of the error
	}{
		{name: "unknown key", file: "[accel]\nbakend = \"go\"\n", want: []string{`unknown key "accel.bakend"`, "remove it or fix its spelling"}},
		{name: "unknown top-level key", file: "api_adr = \"x\"\n", want: []string{`unknown key "api_adr"`}},
		{name: "toml syntax", file: "api_addr = \n", want: []string{"cairn.toml", "line 1"}},
		{name: "wrong type", file: "listen = \"/ip4/0.0.0.0/tcp/0\"\n", want: []string{"cairn.toml", "listen"}},
		{name: "missing file", env: map[string]string{"CAIRN_CONFIG": "/nonexistent/cairn.toml"}, want: []string{"CAIRN_CONFIG", "no such file"}},
		{name: "bad api addr from env", env: map[string]string{"CAIRN_API_ADDR": "localhost"}, want: []string{`api_addr = "localhost" (from CAIRN_API_ADDR)`, "HOST:PORT"}},
		{name: "bad port from flag", flags: config.Config{APIAddr: "127.0.0.1:99999"}, want: []string{"(from --api-addr)", "0 to 65535"}},
		{name: "bad multiaddr from flag", flags: config.Config{Listen: []string{"/ip4/0.0.0.0/tcp/0", "tcp://0.0.0.0:4001"}}, want: []string{`listen[1] = "tcp://0.0.0.0:4001" (from --listen)`, "not a multiaddr"}},
		{name: "empty listen in file", file: "listen = []\n", want: []string{"listen", "at least one multiaddr"}},
		{name: "bad log level", env: map[string]string{"CAIRN_LOG_LEVEL": "loud"}, want: []string{"CAIRN_LOG_LEVEL", "debug, info, warn or error"}},
		{name: "reserved metrics path", file: "metrics_path = \"/healthz\"\n", want: []string{"metrics_path", "taken by the API"}},
		{name: "bad backend env", env: map[string]string{"CAIRN_ACCEL": "cuda"}, want: []string{`accel.backend = "cuda" (from CAIRN_ACCEL)`, "use go, simd, icicle"}},
		{name: "bad kernel backend", env: map[string]string{"CAIRN_ACCEL_ERASURE": "gpu"}, want: []string{"accel.kernels.erasure", "CAIRN_ACCEL_ERASURE"}},
		{name: "unknown kernel in file", file: "[accel.kernels]\nblake3 = \"go\"\n", want: []string{"accel.kernels.blake3", "unknown kernel", "erasure, sha256"}},
		{name: "two errors", env: map[string]string{"CAIRN_API_ADDR": "x", "CAIRN_LOG_LEVEL": "y"}, want: []string{"api_addr", "log_level"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			src := config.Sources{Getenv: envMap(env), Flags: tc.flags}
			if tc.file != "" {
				src.File = filepath.Join(t.TempDir(), "cairn.toml")
				if err := os.WriteFile(src.File, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := config.Load(src)
			if err == nil {
				t.Fatalf("Load() = nil error, want one containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	good := config.Default().EnsureDefaults(envMap(nil))
	for _, tc := range []struct {
		name     string
		mutate   func(*config.Config)
		wantKeys []string // keys of the *KeyErrors; none means valid
	}{
		{name: "default", mutate: func(*config.Config) {}},
		{name: "all interfaces", mutate: func(c *config.Config) { c.APIAddr = ":8080" }},
		{name: "ipv6 api", mutate: func(c *config.Config) { c.APIAddr = "[::1]:0" }},
		{name: "forced backends", mutate: func(c *config.Config) {
			c.Accel = accel.Policy{Force: accel.Icicle, Kernels: map[accel.Kernel]accel.Backend{accel.KernelPoseidon2: accel.Go}}
		}},
		{name: "empty data dir", mutate: func(c *config.Config) { c.DataDir = "" }, wantKeys: []string{"data_dir"}},
		{name: "no port", mutate: func(c *config.Config) { c.APIAddr = "127.0.0.1" }, wantKeys: []string{"api_addr"}},
		{name: "named port", mutate: func(c *config.Config) { c.APIAddr = "127.0.0.1:http" }, wantKeys: []string{"api_addr"}},
		{name: "nil listen", mutate: func(c *config.Config) { c.Listen = nil }, wantKeys: []string{"listen"}},
		{name: "bad listen", mutate: func(c *config.Config) { c.Listen = []string{"/ip4/300.0.0.1/tcp/1"} }, wantKeys: []string{"listen[0]"}},
		{name: "metrics not absolute", mutate: func(c *config.Config) { c.MetricsPath = "metrics" }, wantKeys: []string{"metrics_path"}},
		{name: "metrics under api", mutate: func(c *config.Config) { c.MetricsPath = "/api/metrics" }, wantKeys: []string{"metrics_path"}},
		{name: "metrics pattern chars", mutate: func(c *config.Config) { c.MetricsPath = "/m/{x}" }, wantKeys: []string{"metrics_path"}},
		{name: "uppercase backend", mutate: func(c *config.Config) { c.Accel.Force = "SIMD" }, wantKeys: []string{"accel.backend"}},
		{name: "farm", mutate: func(c *config.Config) { c.Farm.URL = "nats://10.0.0.5:4222" }},
		{name: "farm url", mutate: func(c *config.Config) { c.Farm.URL = "http://10.0.0.5:4222" }, wantKeys: []string{"farm.url"}},
		{name: "farm timeout", mutate: func(c *config.Config) { c.Farm.Timeout = "soon" }, wantKeys: []string{"farm.timeout"}},
		{name: "farm storage timeout", mutate: func(c *config.Config) { c.Farm.StorageTimeout = "-1s" }, wantKeys: []string{"farm.storage_timeout"}},
		{name: "several", mutate: func(c *config.Config) {
			c.LogLevel = "trace"
			c.Accel.Kernels = map[accel.Kernel]accel.Backend{"nope": accel.Go}
		}, wantKeys: []string{"log_level", "accel.kernels.nope"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.mutate(&c)
			err := c.Validate()
			var got []string
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var ke *config.KeyError
					if !errors.As(e, &ke) {
						t.Fatalf("Validate() returned %T %v, want *config.KeyError", e, e)
					}
					got = append(got, ke.Key)
				}
			}
			if !reflect.DeepEqual(got, tc.wantKeys) {
				t.Errorf("Validate() keys = %q, want %q (error: %v)", got, tc.wantKeys, err)
			}
		})
	}
}

func TestStringParseRoundTrip(t *testing.T) {
	for _, c := range []config.Config{
		config.Default(),
		{
			DataDir: "/d", APIAddr: "[::1]:1", Listen: []string{"/ip4/127.0.0.1/tcp/1", "/ip6/::1/tcp/2"},
			LogLevel: "debug", MetricsPath: "/m",
			Accel: accel.Policy{Force: accel.SIMD, Kernels: map[accel.Kernel]accel.Backend{accel.KernelErasure: accel.Go, accel.KernelMerkle: accel.Icicle}},
		},
	} {
		got, err := config.Parse([]byte(c.String()))
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.String(), err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("Parse(c.String()) = %#v, want %#v\nTOML:\n%s", got, c, c.String())
		}
	}
}

// defaultStorage is the [storage] table of the embedded defaults.
var defaultStorage = config.Storage{Quota: config.DefaultStorageQuota, TTL: config.DefaultStorageTTL, ProofSelfCheck: config.DefaultProofSelfCheck}

// defaultWaku is the [waku] table of the embedded file, written out so the
// test notices a changed default.
var defaultFarm = config.Farm{RLNProofs: true, Timeout: "10s", StorageTimeout: "2m"}

var defaultWaku = config.Waku{
	ClusterID: 1, Shards: 8,
	Store: true, StoreMaxAge: "48h", StoreMaxSize: "1GiB",
	Filter: true, Lightpush: true, PeerExchange: true,
	Discv5Port: 9000,
	RLN:        config.RLN{UserMessageLimit: 100, Epoch: "10m"},
}

func TestStorageSettings(t *testing.T) {
	for in, want := range map[string]uint64{"20GiB": 20 << 30, "500MB": 500e6, "4096": 4096, " 1 TiB ": 1 << 40} {
		if got, err := config.ParseSize(in); got != want || err != nil {
			t.Errorf("ParseSize(%q) = %d, %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "-1GiB", "1.5GiB", "99999999999TiB", "20 parsecs"} {
		if _, err := config.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q): no error", in)
		}
	}
	c := config.Default().EnsureDefaults(envMap(nil))
	if c.Storage.QuotaBytes() != 20<<30 || c.Storage.TTLDuration().Hours() != 720 {
		t.Errorf("default storage = %d bytes, %v; want 20 GiB, 720h", c.Storage.QuotaBytes(), c.Storage.TTLDuration())
	}
	if d := c.Storage.ProofSelfCheckInterval(); d.Hours() != 6 {
		t.Errorf("default proof self-check every %v, want 6h", d)
	}
	c.Storage.ProofSelfCheck = "0"
	if err := c.Validate(); err != nil || c.Storage.ProofSelfCheckInterval() != 0 {
		t.Errorf("proof_selfcheck 0 = %v, %v; want valid and off", c.Storage.ProofSelfCheckInterval(), err)
	}
	c.Storage = config.Storage{Quota: "0", TTL: "forever", ProofSelfCheck: "5s"}
	err := c.Validate()
	for _, key := range []string{"storage.quota", "storage.ttl", "storage.proof_selfcheck"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Validate(%+v) = %v, want an error naming %s", c.Storage, err, key)
		}
	}
}

func TestDHTSettings(t *testing.T) {
	env := map[string]string{
		"CAIRN_DHT":       "server",
		"CAIRN_BOOTSTRAP": "/ip4/127.0.0.1/tcp/4001/p2p/16Uiu2HAmLGcUSJdNqeTGn6GtF8nsk7SxNTgzK7MYhjZNB3RTXNKd, ",
	}
	c, err := config.Load(config.Sources{Getenv: envMap(env)})
	if err != nil {
		t.Fatal(err)
	}
	if c.DHT != "server" || len(c.Bootstrap) != 1 {
		t.Errorf("Load(CAIRN_DHT, CAIRN_BOOTSTRAP) = %q, %q", c.DHT, c.Bootstrap)
	}
	c.DHT, c.Bootstrap = "everywhere", []string{"/ip4/127.0.0.1/tcp/4001"}
	err = c.Validate()
	for _, key := range []string{"dht", "bootstrap[0]"} {
		if err == nil || !strings.Contains(err.Error(), key+" = ") {
			t.Errorf("Validate() = %v, want an error naming %s", err, key)
		}
	}
}

func TestWakuKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.toml")
	file := "[waku]\ncluster_id = 0\nstore = false\ndns_discovery = [\"enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@nodes.example.org\"]\n[waku.rln]\nenabled = true\nmembership = \"members.json\"\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := config.Load(config.Sources{File: path, Getenv: envMap(map[string]string{"CAIRN_WAKU_CLUSTER_ID": "7"})})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	w := defaultWaku
	w.ClusterID, w.Store = 7, false
	w.DNSDiscovery = []string{"enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@nodes.example.org"}
	w.RLN.Enabled, w.RLN.Membership = true, "members.json"
	if !reflect.DeepEqual(got.Waku, w) {
		t.Errorf("Waku = %#v\nwant %#v", got.Waku, w)
	}

	// The file alone sets cluster 0, which is a cluster like any other.
	got, err = config.Load(config.Sources{File: path, Getenv: envMap(nil)})
	if err != nil || got.Waku.ClusterID != 0 {
		t.Errorf("cluster_id from file: %d, %v; want 0, nil", got.Waku.ClusterID, err)
	}

	for _, tc := range []struct{ file, env, key string }{
		{file: "[waku.rln]\nenabled = true\n", key: "waku.rln.enabled"},
		{file: "[waku]\nshards = 0\n", key: "waku.shards"},
		{file: "[waku.rln]\ncontract = \"0x12\"\neth_rpc = \"http://127.0.0.1:8545\"\n", key: "waku.rln.contract"},
		{file: "[waku.rln]\nepoch = \"10ms\"\n", key: "waku.rln.epoch"},
		{file: "[waku]\ndns_discovery = [\"nodes.example.org\"]\n", key: "waku.dns_discovery[0]"},
		{env: "cluster-one", key: "waku.cluster_id"},
	} {
		if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(config.Sources{File: path, Getenv: envMap(map[string]string{"CAIRN_WAKU_CLUSTER_ID": tc.env})})
		var ke *config.KeyError
		if !errors.As(err, &ke) || ke.Key != tc.key {
			t.Errorf("file %q env %q: error %v, want a KeyError for %s", tc.file, tc.env, err, tc.key)
		}
	}
}

func TestFarmKeys(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cairn.toml")
	if err := os.WriteFile(file, []byte("[farm]\nurl = \"nats://10.0.0.5:4222\"\nrln_proofs = false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := config.Load(config.Sources{File: file, Getenv: envMap(map[string]string{"CAIRN_FARM_URL": "nats://127.0.0.1:4333"})})
	if err != nil {
		t.Fatal(err)
	}
	want := config.Farm{URL: "nats://127.0.0.1:4333", RLNProofs: false, Timeout: "10s", StorageTimeout: "2m"}
	if got.Farm != want {
		t.Errorf("Farm = %+v, want %+v (env over file, file over defaults)", got.Farm, want)
	}
	if d := got.Farm.TimeoutDuration(); d != 10*time.Second {
		t.Errorf("TimeoutDuration = %s, want 10s", d)
	}
}

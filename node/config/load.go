package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/cairn-node/cairn/accel"
)

// Environment variables read by Load, besides CAIRN_ACCEL_<KERNEL> (one per
// kernel in accel.Kernels, e.g. CAIRN_ACCEL_ERASURE).
const (
	EnvConfig      = "CAIRN_CONFIG"
	EnvDataDir     = "CAIRN_DATA_DIR"
	EnvAPIAddr     = "CAIRN_API_ADDR"
	EnvListen      = "CAIRN_LISTEN"
	EnvLogLevel    = "CAIRN_LOG_LEVEL"
	EnvMetricsPath = "CAIRN_METRICS_PATH"
	// EnvStorageQuota and EnvStorageTTL set storage.quota and storage.ttl.
	EnvStorageQuota = "CAIRN_STORAGE_QUOTA"
	// EnvDHT and EnvBootstrap set dht and bootstrap (comma-separated).
	EnvDHT        = "CAIRN_DHT"
	EnvBootstrap  = "CAIRN_BOOTSTRAP"
	EnvStorageTTL = "CAIRN_STORAGE_TTL"
	// EnvProofSelfCheck sets storage.proof_selfcheck.
	EnvProofSelfCheck = "CAIRN_STORAGE_PROOF_SELFCHECK"
	EnvAccel          = "CAIRN_ACCEL"
	// EnvWakuClusterID sets waku.cluster_id.
	EnvWakuClusterID = "CAIRN_WAKU_CLUSTER_ID"
)

// EnvAccelKernel returns the variable that routes kernel k, e.g.
// CAIRN_ACCEL_ERASURE.
func EnvAccelKernel(k accel.Kernel) string {
	return EnvAccel + "_" + strings.ToUpper(string(k))
}

// flagNames maps config keys to the command-line flags that set them; Load
// uses it to say where a bad value came from.
var flagNames = map[string]string{
	"data_dir":  "--data-dir",
	"api_addr":  "--api-addr",
	"listen":    "--listen",
	"log_level": "--log-level",
}

// Sources are the inputs of Load besides the embedded defaults.
type Sources struct {
	// File is the config file given by --config. Empty means the file
	// named by CAIRN_CONFIG, and no file when that is unset too.
	File string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Flags holds the settings given on the command line. Zero fields
	// (nil Listen, empty strings) are unset. Accel.Force, when set, drops
	// the per-kernel choices of the other sources, as CAIRN_ACCEL does.
	Flags Config
}

// Load reads the configuration from its sources, in increasing precedence:
// the embedded defaults, the config file, CAIRN_* environment variables,
// then Flags. Each source overrides the ones before it key by key; a
// source that sets accel.backend also drops the per-kernel choices of the
// sources before it. Backend names are case-insensitive and "auto" means
// unset. The result has its defaults filled and is valid.
//
// Errors name the key, the value and the source it came from ("config:
// api_addr = "x" (from CAIRN_API_ADDR): ..."); validation errors wrap one
// *KeyError per bad key. An unreadable or unparsable file, or an unknown
// key in it, is an error too.
func Load(s Sources) (Config, error) {
	getenv := s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Default()
	origin := map[string]string{}

	file, named := s.File, "--config"
	if file == "" {
		file, named = getenv(EnvConfig), EnvConfig
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return Config{}, fmt.Errorf("config: read config file named by %s: %w; fix the path or unset %s", named, err, named)
		}
		var f Config
		defined := map[string]bool{}
		if err := decode(data, file, &f, defined); err != nil {
			return Config{}, err
		}
		c = overlay(c, f, func(key string) (string, bool) { return file, defined[key] }, origin)
	}

	if v := getenv(EnvWakuClusterID); v != "" {
		if _, err := strconv.ParseUint(v, 10, 16); err != nil {
			return Config{}, &KeyError{Key: "waku.cluster_id", Value: v, Source: EnvWakuClusterID,
				Problem: "want a cluster number from 0 to 65535 (the Waku Network is 1)"}
		}
	}
	env, envNames := fromEnv(getenv)
	c = overlay(c, env, func(key string) (string, bool) {
		name, ok := envNames[key]
		return name, ok
	}, origin)

	c = overlay(c, s.Flags, func(key string) (string, bool) {
		if !s.Flags.isSet(key) {
			return "", false
		}
		if name, ok := flagNames[key]; ok {
			return name, true
		}
		return "flags", true
	}, origin)

	c = c.EnsureDefaults(getenv)
	if err := c.Validate(); err != nil {
		for _, e := range unjoin(err) {
			var ke *KeyError
			if errors.As(e, &ke) {
				key, _, _ := strings.Cut(ke.Key, "[")
				if ke.Source = origin[key]; ke.Source == "" {
					ke.Source = "default"
				}
			}
		}
		return Config{}, err
	}
	return c, nil
}

// fromEnv reads the CAIRN_* variables into a Config and returns, for each
// key set, the variable's name. Empty variables are unset.
func fromEnv(getenv func(string) string) (Config, map[string]string) {
	var c Config
	names := map[string]string{}
	str := func(key, env string, dst *string) {
		if v := getenv(env); v != "" {
			*dst, names[key] = v, env
		}
	}
	str("data_dir", EnvDataDir, &c.DataDir)
	str("api_addr", EnvAPIAddr, &c.APIAddr)
	str("log_level", EnvLogLevel, &c.LogLevel)
	str("metrics_path", EnvMetricsPath, &c.MetricsPath)
	str("storage.quota", EnvStorageQuota, &c.Storage.Quota)
	str("storage.ttl", EnvStorageTTL, &c.Storage.TTL)
	str("storage.proof_selfcheck", EnvProofSelfCheck, &c.Storage.ProofSelfCheck)
	str("dht", EnvDHT, &c.DHT)
	str("farm.url", EnvFarmURL, &c.Farm.URL)
	if v := getenv(EnvBootstrap); v != "" {
		c.Bootstrap = splitList(v)
		names["bootstrap"] = EnvBootstrap
	}
	if v := getenv(EnvListen); v != "" {
		c.Listen = splitList(v)
		names["listen"] = EnvListen
	}
	if v := getenv(EnvWakuClusterID); v != "" {
		// Load has checked that v is a number (at its start).
		n, _ := strconv.ParseUint(v, 10, 16)
		c.Waku.ClusterID, names["waku.cluster_id"] = uint16(n), EnvWakuClusterID
	}
	if v := getenv(EnvAccel); v != "" {
		c.Accel.Force, names["accel.backend"] = accel.Backend(v), EnvAccel
	}
	for _, k := range accel.Kernels {
		if v := getenv(EnvAccelKernel(k)); v != "" {
			if c.Accel.Kernels == nil {
				c.Accel.Kernels = map[accel.Kernel]accel.Backend{}
			}
			c.Accel.Kernels[k] = accel.Backend(v)
			names["accel.kernels."+string(k)] = EnvAccelKernel(k)
		}
	}
	return c, names
}

// isSet reports whether key holds a non-zero value in c (flags).
func (c Config) isSet(key string) bool {
	switch key {
	case "data_dir":
		return c.DataDir != ""
	case "api_addr":
		return c.APIAddr != ""
	case "listen":
		return c.Listen != nil
	case "log_level":
		return c.LogLevel != ""
	case "metrics_path":
		return c.MetricsPath != ""
	case "accel.backend":
		return c.Accel.Force != ""
	case "storage.quota":
		return c.Storage.Quota != ""
	case "storage.ttl":
		return c.Storage.TTL != ""
	case "storage.proof_selfcheck":
		return c.Storage.ProofSelfCheck != ""
	case "dht":
		return c.DHT != ""
	case "bootstrap":
		return c.Bootstrap != nil
	}
	if k, ok := strings.CutPrefix(key, "accel.kernels."); ok {
		_, set := c.Accel.Kernels[accel.Kernel(k)]
		return set
	}
	return false
}

// overlay returns dst with the keys of src that has reports as set, and
// records their source in origin. Backend names are normalized: lower
// case, "auto" meaning unset.
func overlay(dst, src Config, has func(key string) (source string, ok bool), origin map[string]string) Config {
	set := func(key string) bool {
		source, ok := has(key)
		if ok {
			origin[key] = source
		}
		return ok
	}
	if set("data_dir") {
		dst.DataDir = src.DataDir
	}
	if set("api_addr") {
		dst.APIAddr = src.APIAddr
	}
	if set("listen") {
		dst.Listen = append([]string{}, src.Listen...)
	}
	if set("log_level") {
		dst.LogLevel = src.LogLevel
	}
	if set("metrics_path") {
		dst.MetricsPath = src.MetricsPath
	}
	if set("storage.quota") {
		dst.Storage.Quota = src.Storage.Quota
	}
	if set("storage.ttl") {
		dst.Storage.TTL = src.Storage.TTL
	}
	if set("storage.proof_selfcheck") {
		dst.Storage.ProofSelfCheck = src.Storage.ProofSelfCheck
	}
	if set("dht") {
		dst.DHT = src.DHT
	}
	if set("bootstrap") {
		dst.Bootstrap = nil // an empty list and no list mean the same: no peers
		if len(src.Bootstrap) > 0 {
			dst.Bootstrap = append([]string{}, src.Bootstrap...)
		}
	}
	overlayTagged(reflect.ValueOf(&dst.Waku).Elem(), reflect.ValueOf(src.Waku), "waku.", set)
	overlayTagged(reflect.ValueOf(&dst.Farm).Elem(), reflect.ValueOf(src.Farm), "farm.", set)
	kernels := map[accel.Kernel]accel.Backend{}
	for k, b := range dst.Accel.Kernels {
		kernels[k] = b
	}
	if set("accel.backend") {
		dst.Accel.Force = normalizeBackend(src.Accel.Force)
		// A source that picks the backend for all kernels overrides the
		// per-kernel choices of the sources below it.
		clear(kernels)
		for key := range origin {
			if strings.HasPrefix(key, "accel.kernels.") {
				delete(origin, key)
			}
		}
	}
	for k, b := range src.Accel.Kernels {
		if !set("accel.kernels." + string(k)) {
			continue
		}
		if b = normalizeBackend(b); b == "" {
			delete(kernels, k)
		} else {
			kernels[k] = b
		}
	}
	dst.Accel.Kernels = nil
	if len(kernels) > 0 {
		dst.Accel.Kernels = kernels
	}
	return dst
}

// splitList splits a comma-separated variable, dropping empty items.
func splitList(v string) []string {
	out := []string{}
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// normalizeBackend lower-cases a backend name and maps "auto" to "".
// Unknown names are kept for Validate to report.
func normalizeBackend(b accel.Backend) accel.Backend {
	b = accel.Backend(strings.ToLower(strings.TrimSpace(string(b))))
	if b == "auto" {
		return ""
	}
	return b
}

// unjoin returns the errors joined in err, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

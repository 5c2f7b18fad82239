package archive

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of Options, from nwaku's waku_archive.
const (
	// DefaultRetentionInterval is how often the retention policy runs
	// (WakuArchiveDefaultRetentionPolicyInterval).
	DefaultRetentionInterval = 30 * time.Minute
	// DefaultMaxClockDrift is how far a message timestamp may be from the
	// local clock for the message to be stored (MaxMessageTimestampVariance).
	DefaultMaxClockDrift = 20 * time.Second
)

// Options configure Open. The zero value of every field but Dir means its
// default.
type Options struct {
	// Dir is the pebble database directory; it is created if missing.
	// Required.
	Dir string
	// Retention bounds what is kept; the zero value keeps everything.
	Retention Retention
	// RetentionInterval is how often Start's loop applies Retention; the
	// default is DefaultRetentionInterval.
	RetentionInterval time.Duration
	// MaxClockDrift is how far (either way) a message timestamp may be from
	// Now for Add to store it; the default is DefaultMaxClockDrift, and a
	// negative value turns the check off.
	MaxClockDrift time.Duration
	// Registerer receives the archive's metrics (nwaku's names, see
	// metrics.go); nil registers nothing.
	Registerer prometheus.Registerer
	// Logger receives retention and storage errors; nil means
	// slog.Default() with subsys=node/waku/store/archive.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (o *Options) ensureDefaults() error {
	if o.Dir == "" {
		return errors.New("archive: Options.Dir is empty; give the directory of the message database")
	}
	if o.RetentionInterval <= 0 {
		o.RetentionInterval = DefaultRetentionInterval
	}
	if o.MaxClockDrift == 0 {
		o.MaxClockDrift = DefaultMaxClockDrift
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Logger = o.Logger.With("subsys", "node/waku/store/archive")
	if o.Now == nil {
		o.Now = time.Now
	}
	return o.Retention.validate()
}

// Retention bounds the archive. Zero fields set no bound. Several bounds
// may be set together; each is applied on its own.
type Retention struct {
	// MaxAge deletes messages whose timestamp is older than MaxAge
	// ("time:<seconds>").
	MaxAge time.Duration
	// Capacity bounds the number of messages ("capacity:<count>").
	Capacity int
	// MaxBytes bounds the logical size of the stored entries, in bytes
	// ("size:<n>mb" or "size:<n>gb", 1 MB = 2^20 bytes as in nwaku).
	MaxBytes int64
}

// ParseRetention reads nwaku's --store-message-retention-policy:
// "time:<seconds>", "capacity:<count>" or "size:<number>mb|gb" (case does
// not matter; the number may have a fraction), "" or "none" for no bound.
// Cairn also accepts several policies separated by ";", e.g.
// "time:2592000;size:2gb". It round-trips with Retention.String.
func ParseRetention(s string) (Retention, error) {
	var r Retention
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "none" {
		return r, nil
	}
	for _, part := range strings.Split(s, ";") {
		kind, arg, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return Retention{}, fmt.Errorf("archive: retention policy %q: want time:<seconds>, capacity:<count> or size:<n>mb|gb", part)
		}
		switch kind {
		case "time":
			secs, err := strconv.ParseInt(arg, 10, 64)
			if err != nil || secs <= 0 || secs > int64(1<<62)/int64(time.Second) {
				return Retention{}, fmt.Errorf("archive: retention policy %q: want a positive number of seconds", part)
			}
			r.MaxAge = time.Duration(secs) * time.Second
		case "capacity":
			n, err := strconv.Atoi(arg)
			if err != nil || n <= 0 {
				return Retention{}, fmt.Errorf("archive: retention policy %q: want a positive message count", part)
			}
			r.Capacity = n
		case "size":
			var mult float64
			switch {
			case strings.HasSuffix(arg, "gb"):
				mult = 1 << 30
			case strings.HasSuffix(arg, "mb"):
				mult = 1 << 20
			default:
				return Retention{}, fmt.Errorf("archive: retention policy %q: the size needs a unit, mb or gb", part)
			}
			f, err := strconv.ParseFloat(arg[:len(arg)-2], 64)
			if err != nil || !(f > 0) || f*mult > 1<<62 {
				return Retention{}, fmt.Errorf("archive: retention policy %q: want a positive size such as 512mb", part)
			}
			r.MaxBytes = int64(f * mult)
		default:
			return Retention{}, fmt.Errorf("archive: unknown retention policy %q: use time, capacity or size", kind)
		}
	}
	return r, r.validate()
}

// String returns the policies in ParseRetention's syntax ("none" for the
// zero value); sizes are written in bytes divided by 2^20 ("mb").
func (r Retention) String() string {
	var parts []string
	if r.MaxAge > 0 {
		parts = append(parts, fmt.Sprintf("time:%d", int64(r.MaxAge/time.Second)))
	}
	if r.Capacity > 0 {
		parts = append(parts, fmt.Sprintf("capacity:%d", r.Capacity))
	}
	if r.MaxBytes > 0 {
		parts = append(parts, "size:"+strconv.FormatFloat(float64(r.MaxBytes)/(1<<20), 'f', -1, 64)+"mb")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ";")
}

func (r Retention) validate() error {
	if r.MaxAge < 0 || r.Capacity < 0 || r.MaxBytes < 0 {
		return fmt.Errorf("archive: negative retention bound in %+v", r)
	}
	return nil
}

package pebblestore

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
)

// Defaults of Options. The quota, TTL and maintenance figures are those of
// Logos Storage (20 GiB, 30 days, every 10 minutes, 1000 blocks a pass).
const (
	DefaultQuotaBytes          = 20 << 30
	DefaultTTL                 = 30 * 24 * time.Hour
	DefaultMaintenanceInterval = 10 * time.Minute
	DefaultMaintenanceBatch    = 1000
	DefaultSegmentBytes        = 64 << 20
	DefaultCacheBytes          = 16 << 20
	// DefaultSegmentGCRatio: a full segment whose live bytes fall below
	// this share of its size is rewritten by maintenance.
	DefaultSegmentGCRatio = 0.5
)

// Layout says where block bodies live.
type Layout int

const (
	// LayoutDefault is the zero value: an existing store keeps the layout
	// it was created with, a new one gets LayoutSegments (see the package
	// documentation for the measurements behind the choice).
	LayoutDefault Layout = iota
	// LayoutSegments appends block bodies to segment files of about
	// Options.SegmentBytes; pebble holds only the index (CID → segment,
	// offset, size). A commit fdatasyncs the segments it wrote, then syncs
	// pebble's WAL.
	LayoutSegments
	// LayoutBlobs stores block bodies as pebble values and lets pebble's
	// value separation move them into blob files at flush. A commit syncs
	// pebble's WAL only.
	LayoutBlobs
)

// String returns the name ParseLayout reads back: "default", "segments"
// or "blobs".
func (l Layout) String() string {
	switch l {
	case LayoutDefault:
		return "default"
	case LayoutSegments:
		return "segments"
	case LayoutBlobs:
		return "blobs"
	}
	return fmt.Sprintf("layout(%d)", int(l))
}

// ParseLayout parses a Layout name as String writes it (case-insensitive;
// "" is LayoutDefault).
func ParseLayout(s string) (Layout, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "default":
		return LayoutDefault, nil
	case "segments":
		return LayoutSegments, nil
	case "blobs":
		return LayoutBlobs, nil
	}
	return 0, fmt.Errorf("pebblestore: unknown layout %q (want segments or blobs)", s)
}

// Options configures a Store. A zero value except Dir gives the defaults.
type Options struct {
	// Dir is the store's directory (created if missing): pebble in
	// Dir/index, segment files in Dir/segments. Required.
	Dir string
	// QuotaBytes caps the sum of the stored block sizes. Zero means
	// DefaultQuotaBytes (20 GiB).
	QuotaBytes uint64
	// TTL is how long a dataset or a loose block lives after its last
	// commit. Zero means DefaultTTL (30 days).
	TTL time.Duration
	// Hasher checks every block read against its CID. Nil means the simd
	// SHA-256 kernel, or the go one in a noasm build; the node passes its
	// routed kernel.
	Hasher accel.SHA256
	// Logger receives the store's logs. Nil means slog.Default() with
	// subsys=node/storage/pebblestore.
	Logger *slog.Logger
	// Layout picks where block bodies live; see Layout.
	Layout Layout
	// SegmentBytes is the size at which LayoutSegments starts a new
	// segment file. Zero means DefaultSegmentBytes (64 MiB).
	SegmentBytes int64
	// SegmentGCRatio: maintenance rewrites a segment whose live bytes
	// fall below this share of its size. Zero means
	// DefaultSegmentGCRatio (0.5).
	SegmentGCRatio float64
	// MaintenanceInterval is the period of the loop Start runs. Zero means
	// DefaultMaintenanceInterval (10 minutes); negative disables the loop
	// (call Maintain yourself).
	MaintenanceInterval time.Duration
	// MaintenanceBatch bounds the datasets, blocks and list entries one
	// maintenance step handles in one pebble batch, so that uploads are
	// never stalled behind a long deletion. Zero means
	// DefaultMaintenanceBatch (1000).
	MaintenanceBatch int
	// CacheBytes is pebble's block cache. Zero means DefaultCacheBytes
	// (16 MiB): block bodies are read once per request and not worth
	// caching, the index is small.
	CacheBytes int64
	// Now is the clock of expiries. Nil means time.Now; tests inject one.
	Now func() time.Time
	// FS is the file system of pebble and the segment files. Nil means
	// vfs.Default; tests inject a crashable in-memory one.
	FS vfs.FS
}

// EnsureDefaults fills the zero fields with their defaults and returns o.
func (o *Options) EnsureDefaults() *Options {
	if o.QuotaBytes == 0 {
		o.QuotaBytes = DefaultQuotaBytes
	}
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.Hasher == nil {
		h, err := sha256x.New(accel.SIMD)
		if err != nil {
			h, _ = sha256x.New(accel.Go)
		}
		o.Hasher = h
	}
	if o.Logger == nil {
		o.Logger = slog.Default().With("subsys", "node/storage/pebblestore")
	}
	if o.SegmentBytes == 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.SegmentGCRatio == 0 {
		o.SegmentGCRatio = DefaultSegmentGCRatio
	}
	if o.MaintenanceInterval == 0 {
		o.MaintenanceInterval = DefaultMaintenanceInterval
	}
	if o.MaintenanceBatch == 0 {
		o.MaintenanceBatch = DefaultMaintenanceBatch
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FS == nil {
		o.FS = vfs.Default
	}
	return o
}

// Validate reports every invalid field; call it after EnsureDefaults.
func (o *Options) Validate() error {
	var errs []error
	if o.Dir == "" {
		errs = append(errs, errors.New("Dir is empty"))
	}
	if o.TTL < 0 {
		errs = append(errs, fmt.Errorf("TTL %v is negative", o.TTL))
	}
	if o.Layout < LayoutDefault || o.Layout > LayoutBlobs {
		errs = append(errs, fmt.Errorf("unknown Layout %d", int(o.Layout)))
	}
	if o.SegmentBytes < 1<<20 {
		errs = append(errs, fmt.Errorf("SegmentBytes %d below 1 MiB", o.SegmentBytes))
	}
	if o.SegmentGCRatio < 0 || o.SegmentGCRatio >= 1 {
		errs = append(errs, fmt.Errorf("SegmentGCRatio %v outside [0, 1)", o.SegmentGCRatio))
	}
	if o.MaintenanceBatch < 1 {
		errs = append(errs, fmt.Errorf("MaintenanceBatch %d below 1", o.MaintenanceBatch))
	}
	if len(errs) > 0 {
		return fmt.Errorf("pebblestore: options: %w", errors.Join(errs...))
	}
	return nil
}

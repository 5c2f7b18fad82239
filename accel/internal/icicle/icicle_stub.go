//go:build !icicle || !cgo

package icicle

import (
	"fmt"

	"github.com/cairn-node/cairn/accel"
)

var errNoTag = fmt.Errorf("icicle: %w: built without the icicle tag or cgo; run `make icicle` and rebuild with CGO_ENABLED=1 -tags icicle", accel.ErrUnavailable)

// Init reports that icicle is not built into this binary: the returned error
// wraps accel.ErrUnavailable.
func Init() error { return errNoTag }

// Device returns the zero DeviceID and the error of Init.
func Device() (DeviceID, error) { return DeviceID{}, errNoTag }

// DeviceName returns "" in builds without icicle.
func DeviceName() string { return "" }

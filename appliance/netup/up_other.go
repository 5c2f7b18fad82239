//go:build !linux

package netup

import (
	"context"
	"errors"
	"log/slog"
)

// Up reports that only Linux is supported.
func Up(ctx context.Context, c Config, log *slog.Logger) error {
	return errors.New("netup: bringing up the network needs Linux")
}

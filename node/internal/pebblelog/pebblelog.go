// Package pebblelog sends the logs of a pebble database to log/slog, for
// the packages that open one (node/storage/pebblestore,
// node/waku/store/archive).
//
// Usage:
//
//	db, err := pebble.Open(dir, &pebble.Options{Logger: pebblelog.New(log, "archive")})
package pebblelog

import (
	"fmt"
	"log/slog"

	"github.com/cockroachdb/pebble/v2"
)

// Logger implements pebble.Logger on an slog.Logger: pebble's Infof logs
// at Debug level and Errorf at Error level, each with "from"="pebble".
type Logger struct {
	log   *slog.Logger
	owner string
}

var _ pebble.Logger = Logger{}

// New returns a Logger writing to log; owner names the package that owns
// the database in the panic message of Fatalf.
func New(log *slog.Logger, owner string) Logger {
	return Logger{log: log, owner: owner}
}

// Infof logs pebble's informational messages at Debug level.
func (p Logger) Infof(format string, args ...any) {
	p.log.Debug(fmt.Sprintf(format, args...), "from", "pebble")
}

// Errorf logs pebble's errors at Error level.
func (p Logger) Errorf(format string, args ...any) {
	p.log.Error(fmt.Sprintf(format, args...), "from", "pebble")
}

// Fatalf is called by pebble when it cannot go on (its default logger
// exits the process); pebble does not expect it to return. It logs the
// message at Error level with "fatal"=true and panics with
// "<owner>: pebble: <message>".
func (p Logger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.log.Error(msg, "from", "pebble", "fatal", true)
	panic(p.owner + ": pebble: " + msg)
}

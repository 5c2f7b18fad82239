package config_test

import (
	"reflect"
	"testing"

	"github.com/cairn-node/cairn/node/config"
)

// FuzzParse feeds arbitrary bytes to the config decoder: it must return a
// Config or an error, never panic, and whatever it accepts must survive a
// String/Parse round trip unchanged.
func FuzzParse(f *testing.F) {
	f.Add(config.DefaultTOML())
	f.Add([]byte("api_addr = \"127.0.0.1:0\"\nlisten = [\"/ip4/127.0.0.1/tcp/0\"]\n[accel]\nbackend = \"simd\"\n[accel.kernels]\nerasure = \"go\"\n"))
	f.Add([]byte("data_dir = 3"))
	f.Add([]byte("[accel\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse(data)
		if err != nil {
			return
		}
		back, err := config.Parse([]byte(c.String()))
		if err != nil {
			t.Fatalf("Parse(String()) of an accepted config = %v\nconfig:\n%s", err, c.String())
		}
		if !reflect.DeepEqual(normalize(back), normalize(c)) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", c, back)
		}
		_ = c.Validate() // must not panic
	})
}

// normalize maps nil and empty collections to one form for comparison.
func normalize(c config.Config) config.Config {
	if len(c.Listen) == 0 {
		c.Listen = nil
	}
	if len(c.Accel.Kernels) == 0 {
		c.Accel.Kernels = nil
	}
	return c
}

// Package tomlconfig loads Packline's config files the one way: defaults
// (already in the value), then the TOML file, strictly (an unknown key is
// an error with its line and column, so a typo never silently falls back
// to a default), then the environment (caarlos0/env tags).
package tomlconfig

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/caarlos0/env/v11"
	"github.com/pelletier/go-toml/v2"
)

// Load reads the file at path (if not empty) and then the environment
// into cfg, a pointer to a struct holding the defaults.
func Load(path string, cfg any) error {
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("config %s: %w", path, err)
		}
		defer f.Close()
		if err := toml.NewDecoder(f).DisallowUnknownFields().Decode(cfg); err != nil {
			return fmt.Errorf("config %s%w", path, Where(err))
		}
	}
	if err := env.Parse(cfg); err != nil {
		return fmt.Errorf("config from environment: %w", err)
	}
	return nil
}

// Where turns a go-toml decoding error into ":line:col: what", naming the
// first unknown key of a strict decode.
func Where(err error) error {
	var serr *toml.StrictMissingError
	if errors.As(err, &serr) && len(serr.Errors) > 0 {
		e := serr.Errors[0]
		row, col := e.Position()
		return fmt.Errorf(":%d:%d: unknown key %s", row, col, strings.Join(e.Key(), "."))
	}
	var derr *toml.DecodeError
	if errors.As(err, &derr) {
		row, col := derr.Position()
		if key := derr.Key(); len(key) > 0 {
			return fmt.Errorf(":%d:%d: %s: %w", row, col, strings.Join(key, "."), err)
		}
		return fmt.Errorf(":%d:%d: %w", row, col, err)
	}
	return fmt.Errorf(": %w", err)
}

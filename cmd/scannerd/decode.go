package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/packline/packline/scanner"
)

// runDecode is `scannerd decode`: raw scans on stdin, one per line, JSON
// scans on stdout, one per line. Bad scans are lines with ok false; the
// exit status is non-zero only when stdin or stdout fail.
func runDecode(args []string) error {
	return decodeCmd(args, os.Stdin, os.Stdout, os.Stderr)
}

// decodeCmd is runDecode with its streams passed in, for tests.
func decodeCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scannerd decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "TOML config file whose [decode] section sets the site's classification patterns")
	if err := parseFlags(fs, "usage: scannerd decode [-config FILE] < scans.txt", args); err != nil {
		return err
	}
	cfg := scanner.DefaultConfig()
	if *configPath != "" {
		dc, err := scanner.LoadDaemonConfig(*configPath)
		if err != nil {
			return err
		}
		cfg = dc.Decode
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("decode config: %w", err)
	}
	return scanner.DecodeStream(stdin, stdout, scanner.NewDecoder(cfg))
}

// Command scannerd reads barcode scanners (serial and USB HID keyboard
// mode), decodes every scan and serves it to stations on a Unix socket as
// JSON lines. See docs/scannerd.md.
//
//	scannerd [-config FILE] [-socket PATH]   run the daemon
//	scannerd list [-json]                    show serial ports and input devices
//	scannerd decode                          decode raw scans from stdin
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/packline/packline/scanner"
)

func main() {
	args := os.Args[1:]
	var err error
	switch {
	case len(args) > 0 && args[0] == "decode":
		err = runDecode(args[1:])
	case len(args) > 0 && args[0] == "list":
		err = runList(os.Stdout, args[1:])
	case len(args) > 0 && args[0] == "run":
		err = runDaemon(args[1:])
	default:
		err = runDaemon(args)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scannerd:", err)
		os.Exit(1)
	}
}

// runDaemon parses the daemon's flags, loads the config and runs the
// daemon until SIGINT or SIGTERM.
func runDaemon(args []string) error {
	fs := flag.NewFlagSet("scannerd", flag.ContinueOnError)
	configPath := fs.String("config", "", "TOML config file (see configs/scannerd.example.toml); without one, scanners of known vendors are autodetected")
	socket := fs.String("socket", "", "Unix socket path, overriding the config")
	if err := parseFlags(fs, "usage: scannerd [run] [-config FILE] [-socket PATH] | scannerd list [-json] | scannerd decode", args); err != nil {
		return err
	}
	cfg := scanner.DefaultDaemonConfig()
	if *configPath != "" {
		var err error
		if cfg, err = scanner.LoadDaemonConfig(*configPath); err != nil {
			return err
		}
	} else {
		cfg.Autodetect = true
	}
	if *socket != "" {
		cfg.Socket = *socket
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("scannerd config: %w", err)
	}
	log, err := scanner.NewLogger(os.Stderr, cfg)
	if err != nil {
		return err
	}
	d, err := scanner.NewDaemon(cfg, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return d.Run(ctx)
}

// runList prints the serial ports and keyboard-like input devices, and
// which of them are from known scanner vendors.
func runList(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("scannerd list", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, "usage: scannerd list [-json]", args); err != nil {
		return err
	}
	ports, err := scanner.ListSerial()
	if err != nil {
		return err
	}
	inputs, err := scanner.ListInput()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"serial": ports, "hid": inputs})
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tPATH\tVID:PID\tSCANNER VENDOR\tPRODUCT\tSTABLE PATH")
	for _, p := range ports {
		fmt.Fprintf(tw, "serial\t%s\t%s\t%s\t%s\t%s\n", p.Path, vidpid(p.VID, p.PID), dash(p.Vendor), dash(p.Product), dash(p.ByID))
	}
	for _, d := range inputs {
		fmt.Fprintf(tw, "hid\t%s\t%s\t%s\t%s\t%s\n", d.Path, vidpid(d.VID, d.PID), dash(d.Vendor), dash(d.Name), dash(d.ByID))
	}
	if len(ports)+len(inputs) == 0 {
		fmt.Fprintln(tw, "(none found)")
	}
	return tw.Flush()
}

// parseFlags parses args with fs, whose usage starts with the line usage,
// and refuses arguments left over.
func parseFlags(fs *flag.FlagSet, usage string, args []string) error {
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func vidpid(vid, pid string) string {
	if vid == "" {
		return "-"
	}
	return vid + ":" + pid
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

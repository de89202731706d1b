// Command station is the floor terminal: today its set-up and label
// commands; the Bubble Tea app, sync and scanner hookup follow.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms/demo"
	"github.com/packline/packline/printers"
)

const usage = `usage: station COMMAND [flags]

commands:
  init    create or open the station's local database (--demo loads demo data)
  status  show what the station holds and its sync backlog
  label   write the ZPL of one label to stdout (station label --help)
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "station:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "init":
		return runInit(args[1:], stdout, stderr)
	case "status":
		return runStatus(args[1:], stdout, stderr)
	case "label":
		return printers.LabelCommand(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

type stationFlags struct {
	data, site, station string
}

func (f *stationFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "station-data", "folder for the station's database")
	fs.StringVar(&f.site, "site", "LON", "site id")
	fs.StringVar(&f.station, "station", "PACK-01", "station id")
}

func (f *stationFlags) dbPath() string { return filepath.Join(f.data, "station.db") }

func runInit(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf stationFlags
	sf.register(fs)
	withDemo := fs.Bool("demo", false, "load the demo catalog, bins and this site's demo orders")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(sf.data, 0o750); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	db, err := localdb.OpenStation(sf.dbPath(), sf.site, sf.station)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	defer db.Close()
	fmt.Fprintf(stdout, "station %s/%s: %s (schema v%d)\n", sf.site, sf.station, sf.dbPath(), localdb.SchemaVersion())
	if *withDemo {
		n, err := db.LoadDemo(context.Background(), demo.Default())
		if err != nil {
			return fmt.Errorf("init: %w", err)
		}
		fmt.Fprintf(stdout, "demo data: %d SKUs, %d orders for site %s\n", len(demo.Default().SKUs), n, sf.site)
	}
	return nil
}

func runStatus(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf stationFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(sf.dbPath()); err != nil {
		return fmt.Errorf("status: %w (run station init first)", err)
	}
	db, err := localdb.Open(sf.dbPath())
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	defer db.Close()
	site, station := db.Identity()
	st, err := db.OutboxStats(context.Background())
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	fmt.Fprintf(stdout, "station %s/%s  db %s\n", site, station, db.Path())
	fmt.Fprintf(stdout, "events: last seq %d, waiting for central %d (unsent %d)\n", st.LastSeq, st.Waiting, st.Unsent)
	if !st.Oldest.IsZero() {
		fmt.Fprintf(stdout, "oldest waiting since %s\n", st.Oldest.Format("2006-01-02 15:04:05Z07:00"))
	}
	return nil
}

package printers

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// LabelCommand runs `station label TEMPLATE (--demo | --data FILE.json)
// [--dpi 203] [--templates DIR]`: it writes the ZPL of one label document to
// stdout. On bad data it returns an error naming the field and writes nothing
// to stdout; the caller exits non-zero.
func LabelCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("label", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.Bool("demo", false, "render the template's demo data")
	dataPath := fs.String("data", "", "JSON file with the label data")
	dpiStr := fs.String("dpi", "203", "printer resolution: 203, 300 or 600")
	dir := fs.String("templates", "", "folder with site template overrides (NAME.zpl.tmpl)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: station label TEMPLATE (--demo | --data FILE.json) [--dpi 203] [--templates DIR]\ntemplates: %s\n", strings.Join(TemplateNames(), ", "))
		fs.PrintDefaults()
	}
	// Accept flags before and after the template name.
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return fmt.Errorf("label: %w", err)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(positional) != 1 {
		fs.Usage()
		return errors.New("label: want exactly one TEMPLATE")
	}
	name := positional[0]
	if *demo == (*dataPath != "") {
		return errors.New("label: give exactly one of --demo or --data FILE.json")
	}
	dpi, err := ParseDPI(*dpiStr)
	if err != nil {
		return fmt.Errorf("label: %w", err)
	}
	var data LabelData
	if *demo {
		data, err = DemoData(name)
	} else {
		data, err = readData(name, *dataPath)
	}
	if err != nil {
		return fmt.Errorf("label: %w", err)
	}
	ts, err := LoadTemplates(*dir)
	if err != nil {
		return fmt.Errorf("label: %w", err)
	}
	r, err := ts.Render(name, dpi, data)
	if err != nil {
		return fmt.Errorf("label %s: %w", name, err)
	}
	if _, err := stdout.Write(r.ZPL); err != nil {
		return fmt.Errorf("label: write zpl: %w", err)
	}
	return nil
}

// readData decodes a data file strictly: unknown fields and trailing data are
// errors, so a misspelt field is not silently left blank.
func readData(name, path string) (LabelData, error) {
	data, err := NewData(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read data: %w", err)
	}
	if err := DecodeData(b, data); err != nil {
		return nil, fmt.Errorf("data %s: %w", path, err)
	}
	return data, nil
}

// DecodeData decodes JSON label data strictly into data.
func DecodeData(b []byte, data LabelData) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(data); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%s: want a JSON %s, got %s: %w", te.Field, te.Type, te.Value, ErrInvalidData)
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the bytes read, so it is the 1-based position of the bad byte.
			return fmt.Errorf("%w: JSON syntax error at byte %d: %w", ErrInvalidData, se.Offset, err)
		}
		return fmt.Errorf("%w: %w", ErrInvalidData, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data after the JSON object", ErrInvalidData)
	}
	return nil
}

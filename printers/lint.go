package printers

import (
	"bytes"
	"fmt"
)

// Lint checks that ZPL is shaped the way the builder writes it, catching a
// site template that printed data raw ({{.Data.X}}) instead of through a Page
// method: no '~' at all (no control commands), ^XA and ^XZ strictly
// alternating with at least one label, nothing but whitespace outside labels,
// and every ^FD preceded by ^FH within its field.
func Lint(zpl []byte) error {
	if i := bytes.IndexByte(zpl, '~'); i >= 0 {
		return fmt.Errorf("zpl lint: '~' at byte %d: control commands are not allowed in labels", i)
	}
	open := false
	labels := 0
	fh := false
	for i := 0; i < len(zpl); i++ {
		c := zpl[i]
		if !open {
			if c == ' ' || c == '\n' || c == '\r' || c == '\t' {
				continue
			}
			if c != '^' || i+2 >= len(zpl) || zpl[i+1] != 'X' || zpl[i+2] != 'A' {
				return fmt.Errorf("zpl lint: data outside ^XA...^XZ at byte %d", i)
			}
			open = true
			i += 2
			continue
		}
		if c != '^' || i+2 >= len(zpl) {
			continue
		}
		cmd := string(zpl[i+1 : i+3])
		switch cmd {
		case "XA":
			return fmt.Errorf("zpl lint: ^XA inside a label at byte %d", i)
		case "XZ":
			open = false
			labels++
			i += 2
		case "FH":
			fh = true
		case "FD":
			if !fh {
				return fmt.Errorf("zpl lint: ^FD without ^FH at byte %d", i)
			}
		case "FS":
			fh = false
		}
	}
	if open {
		return fmt.Errorf("zpl lint: label %d has no ^XZ", labels+1)
	}
	if labels == 0 {
		return fmt.Errorf("zpl lint: no label")
	}
	return nil
}

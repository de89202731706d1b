package scanner

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// maxScanLine bounds one line of DecodeStream input; a 2D code holds at
// most a few kilobytes.
const maxScanLine = 1 << 20

// DecodeStream is the offline form of the scanner pipeline behind
// `scannerd decode`: it reads raw scans from r, one per line (bytes as-is,
// GS included, a trailing CR removed), and writes one JSON Scan per line to
// w. Bad scans are written with ok false and their error; DecodeStream
// returns an error only when reading or writing fails. Empty lines are
// skipped.
func DecodeStream(r io.Reader, w io.Writer, d *Decoder) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	lineNo := 0
	for {
		line, cut, err := readLine(br)
		if err == nil || len(line) > 0 {
			lineNo++
		}
		if len(line) > 0 && line[len(line)-1] == '\r' && !cut {
			line = line[:len(line)-1]
		}
		if len(line) > 0 {
			sc := d.Decode(line)
			if cut {
				// Decoded, the first bytes could pass for a whole scan.
				sc = failed(Scan{Raw: sc.Raw, Symbology: sc.Symbology, AIM: sc.AIM, Data: sc.Data, Kind: KindUnknown},
					fmt.Errorf("line %d longer than %d bytes: cut there, the rest skipped", lineNo, maxScanLine))
			}
			if eerr := enc.Encode(sc); eerr != nil {
				return fmt.Errorf("write scan of line %d: %w", lineNo, eerr)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read line %d: %w", lineNo+1, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write scans: %w", err)
	}
	return nil
}

// readLine returns the next line without its LF, up to maxScanLine bytes;
// a longer line is cut there (cut is true) and its rest skipped, so one bad
// line cannot stop the stream.
func readLine(br *bufio.Reader) (line []byte, cut bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if err == nil {
			chunk = chunk[:len(chunk)-1] // the LF
		}
		if len(line)+len(chunk) <= maxScanLine {
			line = append(line, chunk...)
		} else {
			line = append(line, chunk[:maxScanLine-len(line)]...)
			cut = true
		}
		if err != bufio.ErrBufferFull {
			return line, cut, err
		}
	}
}

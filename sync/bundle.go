package sync

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"

	"github.com/packline/packline/localdb"
)

// A station sends its outbox in bundles: one NATS message carries up to
// EventsPerMessage consecutive events of the station, each event's JSON
// wire form on a line of its own, with the count in the Packline-Events
// header. A bundle's Nats-Msg-Id is "<first event id>..<last event id>",
// so a bundle sent again as it was is deduped by JetStream like a single
// event; central applies each event id at most once whatever the
// bundling. A bundle of one is sent exactly as a single event: its JSON
// alone, Nats-Msg-Id = its event id, no Packline-Events header.
//
// Per-message costs (the server storing, indexing and delivering each
// message, the ack, the client's parse) are most of what the sync path
// spends per event; a bundle pays them once for many events.

// EventsHeader holds a bundle's event count.
const EventsHeader = "Packline-Events"

// MaxBundleBytes caps a bundle's payload. An event larger than this goes
// in a message of its own.
const MaxBundleBytes = 256 << 10

// MaxBundleEvents is the most events central reads from one message.
const MaxBundleEvents = 4096

// bundle is rows[from:to] of a drain batch, sent as one message.
type bundle struct {
	from, to int
	msg      *nats.Msg
	id       string
}

// bundleRows splits rows (in seq order) into bundles of up to perMsg
// events and maxBytes (at most MaxBundleBytes); rows on another subject,
// and rows whose payload holds a newline, start a bundle of their own and
// go alone.
func bundleRows(rows []localdb.OutboxRow, perMsg, maxBytes int) []bundle {
	perMsg = max(perMsg, 1)
	maxBytes = min(maxBytes, MaxBundleBytes)
	var out []bundle
	for from := 0; from < len(rows); {
		to, size := from+1, len(rows[from].Payload)
		alone := perMsg == 1 || bytes.IndexByte(rows[from].Payload, '\n') >= 0
		for !alone && to < len(rows) && to-from < perMsg {
			r := rows[to]
			if r.Subject != rows[from].Subject || size+1+len(r.Payload) > maxBytes || bytes.IndexByte(r.Payload, '\n') >= 0 {
				break
			}
			size += 1 + len(r.Payload)
			to++
		}
		out = append(out, encodeBundle(rows, from, to, size))
		from = to
	}
	return out
}

func encodeBundle(rows []localdb.OutboxRow, from, to, size int) bundle {
	first := rows[from]
	if to-from == 1 {
		return bundle{from: from, to: to, id: first.EventID,
			msg: &nats.Msg{Subject: first.Subject, Data: first.Payload, Header: nats.Header{}}}
	}
	data := make([]byte, 0, size)
	for i, r := range rows[from:to] {
		if i > 0 {
			data = append(data, '\n')
		}
		data = append(data, r.Payload...)
	}
	h := nats.Header{}
	h.Set(EventsHeader, strconv.Itoa(to-from))
	return bundle{from: from, to: to, id: first.EventID + ".." + rows[to-1].EventID,
		msg: &nats.Msg{Subject: first.Subject, Data: data, Header: h}}
}

// splitBundle returns the events a message carries: the whole payload
// when it has no Packline-Events header, else its lines, which must be as
// many as the header says. The reason says why the message cannot be
// read; it is then moved aside whole.
func splitBundle(count string, data []byte) ([][]byte, string) {
	if count == "" {
		return [][]byte{data}, ""
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 || n > MaxBundleEvents {
		return nil, fmt.Sprintf("%s header %q is not a count from 1 to %d", EventsHeader, count, MaxBundleEvents)
	}
	parts := make([][]byte, 0, n)
	for len(data) > 0 && len(parts) < n {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		parts = append(parts, line)
		data = rest
	}
	if len(parts) != n || len(data) > 0 {
		return nil, fmt.Sprintf("%s header says %d events, the payload holds %s", EventsHeader, n, countLines(parts, data))
	}
	return parts, ""
}

func countLines(parts [][]byte, rest []byte) string {
	if len(rest) > 0 {
		return "more"
	}
	return strconv.Itoa(len(parts))
}

package sync

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/packline/packline/localdb"
)

func outboxRows(sizes ...int) []localdb.OutboxRow {
	rows := make([]localdb.OutboxRow, len(sizes))
	for i, n := range sizes {
		payload := fmt.Sprintf(`{"seq":%d,"pad":"%s"}`, i+1, strings.Repeat("x", max(n-20, 0)))
		rows[i] = localdb.OutboxRow{Seq: uint64(i + 1), EventID: fmt.Sprintf("id-%d", i+1), Subject: "oms.LON.PACK-01.events", Payload: []byte(payload)}
	}
	return rows
}

func TestBundleRowsGroupsInOrderWithinLimits(t *testing.T) {
	sizes := make([]int, 10)
	for i := range sizes {
		sizes[i] = 100
	}
	sizes[6] = MaxBundleBytes // too big to share a message
	rows := outboxRows(sizes...)
	rows[8].Payload = append([]byte(`{"a":"b"}`+"\n"), rows[8].Payload...) // cannot be a bundle line
	got := bundleRows(rows, 4, MaxBundleBytes)
	var spans []string
	for _, b := range got {
		spans = append(spans, fmt.Sprintf("%d-%d", b.from+1, b.to))
	}
	// 1-4 fill a bundle; 5-6 stop before the big 7, which goes alone; 8
	// stops before 9 (a newline in it), which goes alone; 10 is the tail.
	if want := "1-4 5-6 7-7 8-8 9-9 10-10"; strings.Join(spans, " ") != want {
		t.Fatalf("bundles %s, want %s", strings.Join(spans, " "), want)
	}
	for _, b := range got {
		rs := rows[b.from:b.to]
		if len(rs) == 1 {
			// Alone: exactly as a single event always was.
			if b.id != rs[0].EventID || !bytes.Equal(b.msg.Data, rs[0].Payload) || b.msg.Header.Get(EventsHeader) != "" {
				t.Errorf("single row %d sent as %q %q", rs[0].Seq, b.id, b.msg.Header)
			}
			continue
		}
		if want := rs[0].EventID + ".." + rs[len(rs)-1].EventID; b.id != want {
			t.Errorf("bundle id %q, want %q", b.id, want)
		}
		parts, reason := splitBundle(b.msg.Header.Get(EventsHeader), b.msg.Data)
		if reason != "" || len(parts) != len(rs) {
			t.Fatalf("bundle %d-%d reads back as %d parts (%s)", b.from+1, b.to, len(parts), reason)
		}
		for i, p := range parts {
			if !bytes.Equal(p, rs[i].Payload) {
				t.Errorf("bundle %d-%d part %d: %s, want %s", b.from+1, b.to, i, p, rs[i].Payload)
			}
		}
		if len(b.msg.Data) > MaxBundleBytes {
			t.Errorf("bundle %d-%d is %d bytes, over %d", b.from+1, b.to, len(b.msg.Data), MaxBundleBytes)
		}
	}
	if one := bundleRows(rows, 1, MaxBundleBytes); len(one) != len(rows) {
		t.Fatalf("one event a message: %d messages for %d rows", len(one), len(rows))
	}
	// A server that takes smaller messages gets smaller bundles: here two
	// 100-byte events a message.
	small := bundleRows(outboxRows(100, 100, 100, 100, 100), 64, 250)
	if len(small) != 3 || small[0].to != 2 || small[1].to != 4 {
		t.Fatalf("bundles under a 250-byte limit: %+v", small)
	}
}

func TestSplitBundleRefusesWhatItsHeaderDoesNotSay(t *testing.T) {
	for _, c := range []struct{ count, data, want string }{
		{"2", "{}", "says 2 events, the payload holds 1"},
		{"1", "{}\n{}", "says 1 events, the payload holds more"},
		{"0", "", "not a count from 1"},
		{"-3", "{}", "not a count from 1"},
		{"99999", "{}", "not a count from 1"},
		{"two", "{}\n{}", `"two" is not a count`},
	} {
		if _, reason := splitBundle(c.count, []byte(c.data)); !strings.Contains(reason, c.want) {
			t.Errorf("header %q, payload %q: %q, want it to say %q", c.count, c.data, reason, c.want)
		}
	}
	if parts, reason := splitBundle("", []byte("not even json")); reason != "" || len(parts) != 1 {
		t.Fatalf("a message with no header is one event: %d parts, %q", len(parts), reason)
	}
}

func FuzzSplitBundle(f *testing.F) {
	f.Add("2", []byte("{}\n{}"))
	f.Add("1", []byte("{}\n"))
	f.Add("", []byte("{}"))
	f.Add("3", []byte("\n\n"))
	f.Fuzz(func(t *testing.T, count string, data []byte) {
		parts, reason := splitBundle(count, data)
		if reason != "" {
			if parts != nil {
				t.Fatal("parts with a reason")
			}
			return
		}
		if count == "" {
			if len(parts) != 1 || !bytes.Equal(parts[0], data) {
				t.Fatal("no header: not the payload whole")
			}
			return
		}
		// A bundle read is the payload's lines, as many as the header says.
		if fmt.Sprint(len(parts)) != strings.TrimLeft(strings.TrimPrefix(count, "+"), "0") {
			t.Fatalf("header %q, %d parts", count, len(parts))
		}
		if joined := bytes.Join(parts, []byte("\n")); !bytes.Equal(joined, bytes.TrimSuffix(data, []byte("\n"))) && !bytes.Equal(joined, data) {
			t.Fatalf("parts %q do not make up %q", parts, data)
		}
	})
}

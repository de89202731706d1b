package edi

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// samplePO is an 850 written by hand from the 004010 segment layouts,
// with `*` elements, `>` components, `~` terminators and a newline after
// each segment.
const samplePO = `ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*PACKLINE       *261129*0930*U*00401*000000101*0*P*>~
GS*PO*ACMEBUYER*PACKLINE*20261129*0930*101*X*004010~
ST*850*0001~
BEG*00*SA*PO-4711**20261128~
CUR*BY*USD~
DTM*002*20261210~
N1*BT*Acme Retail Inc*92*ACME-HQ~
N3*500 Commerce Blvd~
N4*Chicago*IL*60601*US~
N1*ST*Acme Store 12*92*STORE-12~
N3*12 Market St*Suite 4~
N4*Newark*NJ*07114*US~
PER*IC*Receiving Desk*TE*555-0100*EM*dock12@acme.example~
PO1*1*10*EA*4.25**BP*A-MUG-01*UP*012345678905~
PID*F****Slate mug 350ml~
PO1*2*3*EA*19.00**EN*4006381333931~
DTM*002*20261215~
PO1*3*1*EA*120**IN*TEAPOT-CI~
CTT*3~
SE*18*0001~
GE*1*101~
IEA*1*000000101~
`

func mustParse(t *testing.T, data string) *Interchange {
	t.Helper()
	ic, err := Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return ic
}

func TestEDIParseSamplePO(t *testing.T) {
	ic := mustParse(t, samplePO)
	if len(ic.Problems) != 0 {
		t.Fatalf("problems: %v", ic.Problems)
	}
	if ic.Delims.Element != '*' || ic.Delims.Component != '>' || ic.Delims.Segment != '~' {
		t.Fatalf("delimiters %+v", ic.Delims)
	}
	if ic.ISA.SenderID != "ACMEBUYER" || ic.ISA.Control != "000000101" || len(ic.Groups) != 1 || len(ic.Groups[0].Sets) != 1 {
		t.Fatalf("envelope %+v groups %d", ic.ISA, len(ic.Groups))
	}
	po, errs := ReadPO(ic.Groups[0].Sets[0], 0, 0)
	if len(errs) != 0 {
		t.Fatalf("read 850: %v", errs)
	}
	st, _ := po.Party("ST")
	if po.Number != "PO-4711" || po.Currency != "USD" || len(po.Lines) != 3 || st.City != "Newark" || st.Street2 != "Suite 4" || st.Email != "dock12@acme.example" {
		t.Fatalf("850: %+v", po)
	}
	if l := po.Lines[0]; l.Qty != 10 || l.IDs["BP"] != "A-MUG-01" || l.IDs["UP"] != "012345678905" || l.Description != "Slate mug 350ml" || l.UnitPrice != "4.25" {
		t.Fatalf("line 1: %+v", l)
	}
	if d := DateOf(po.Lines[1].Dates, "002"); !d.Equal(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("line 2 date %v", d)
	}
}

// variants re-delimits a sample: the same interchange with other
// separators and layouts.
func variants(sample string) map[string]string {
	swap := func(el, comp, seg byte, suffix string) string {
		var b strings.Builder
		for _, line := range strings.Split(strings.TrimSpace(sample), "\n") {
			line = strings.TrimSuffix(line, "~")
			line = strings.ReplaceAll(line, "*", string(el))
			if strings.HasPrefix(line, "ISA") {
				line = line[:len(line)-1] + string(comp)
			}
			b.WriteString(line)
			b.WriteByte(seg)
			b.WriteString(suffix)
		}
		return b.String()
	}
	return map[string]string{
		"star-tilde-newline":     sample,
		"star-tilde-crlf":        swap('*', '>', '~', "\r\n"),
		"star-tilde-one-line":    swap('*', '>', '~', ""),
		"pipe-newline-colon":     swap('|', ':', '\n', ""),
		"pipe-newline-crlf":      swap('|', ':', '\n', "\r"), // CR LF as the terminator pair
		"star-apostrophe-colon":  swap('*', ':', '\'', "\n"),
		"caret-tilde-gt-crlf":    swap('^', '>', '~', "\r\n"),
		"plus-newline-backslash": swap('+', '\\', '\n', ""),
	}
}

func TestEDIDelimiterVariantsRoundTrip(t *testing.T) {
	want := mustParse(t, samplePO)
	wantPO, _ := ReadPO(want.Groups[0].Sets[0], 0, 0)
	for name, data := range variants(samplePO) {
		t.Run(name, func(t *testing.T) {
			ic := mustParse(t, data)
			if len(ic.Problems) != 0 {
				t.Fatalf("problems: %v", ic.Problems)
			}
			po, errs := ReadPO(ic.Groups[0].Sets[0], 0, 0)
			if len(errs) != 0 {
				t.Fatalf("read: %v", errs)
			}
			if !reflect.DeepEqual(po, wantPO) {
				t.Fatalf("got %+v\nwant %+v", po, wantPO)
			}
			// Write it back with the same delimiters and read it again.
			out := Outgoing{From: Party{Qual: "ZZ", ID: ic.ISA.SenderID}, To: Party{Qual: "ZZ", ID: ic.ISA.ReceiverID}, Control: 101,
				At: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC), Delims: ic.Delims,
				Groups: []OutGroup{{FunctionalID: "PO", SetID: "850", Sets: [][]Segment{po.Segments()}}}}
			data2, err := out.Write()
			if err != nil {
				t.Fatal(err)
			}
			ic2 := mustParse(t, string(data2))
			if len(ic2.Problems) != 0 {
				t.Fatalf("written interchange has problems: %v\n%s", ic2.Problems, data2)
			}
			if ic2.Delims.Element != ic.Delims.Element || ic2.Delims.Component != ic.Delims.Component || ic2.Delims.Segment != ic.Delims.Segment {
				t.Fatalf("delimiters changed: %+v -> %+v", ic.Delims, ic2.Delims)
			}
			po2, errs := ReadPO(ic2.Groups[0].Sets[0], 0, 0)
			if len(errs) != 0 || !reflect.DeepEqual(po2, po) {
				t.Fatalf("round trip: %v\n%+v\n%+v", errs, po2, po)
			}
		})
	}
}

func TestEDICRLFAfterEachSegmentIsLayout(t *testing.T) {
	data := strings.ReplaceAll(samplePO, "~\n", "~\r\n")
	ic := mustParse(t, data)
	if len(ic.Problems) != 0 || ic.Delims.Segment != '~' {
		t.Fatalf("problems %v delims %+v", ic.Problems, ic.Delims)
	}
	po, _ := ReadPO(ic.Groups[0].Sets[0], 0, 0)
	if po.Lines[2].IDs["IN"] != "TEAPOT-CI" {
		t.Fatalf("a CR leaked into the data: %q", po.Lines[2].IDs["IN"])
	}
}

// twoGroups is one interchange with an 850 group and an 856 group.
const twoGroups = `ISA*00*          *00*          *01*123456789      *ZZ*PACKLINE       *261129*1200*U*00401*000000202*1*T*:~
GS*PO*123456789*PACKLINE*20261129*1200*7*X*004010~
ST*850*0007~
BEG*00*DS*PO-1**20261129~
N1*ST*Bea Koch~
N3*Hauptstr. 1~
N4*Berlin**10115*DE~
PO1*1*2*EA*1.5**UK*14006381333938~
CTT*1~
SE*8*0007~
ST*850*0008~
BEG*00*SA*PO-2**20261129~
N1*ST*Cy~
N3*1 Main St~
N4*Newark*NJ*07114*US~
PO1*1*1*EA***BP*X-1~
SE*7*0008~
GE*2*7~
GS*SH*123456789*PACKLINE*20261129*1200*8*X*004010~
ST*856*0001~
BSN*00*SHIP-9*20261129*1200*0001~
HL*1**S~
TD5*B*2*UPSN**Ground~
REF*2I*1Z999AA10123456784~
DTM*011*20261129~
HL*2*1*O~
PRF*DS00000001~
HL*3*2*P~
MAN*GM*00012345600000000017~
HL*4*3*I~
LIN*1*BP*TEAPOT-CI~
SN1**1*EA~
CTT*4~
SE*15*0001~
GE*1*8~
IEA*2*000000202~
`

func TestEDIInterchangeWithTwoGroups(t *testing.T) {
	ic := mustParse(t, twoGroups)
	if len(ic.Problems) != 0 {
		t.Fatalf("problems: %v", ic.Problems)
	}
	if len(ic.Groups) != 2 || len(ic.Groups[0].Sets) != 2 || ic.Groups[1].FunctionalID != "SH" || ic.Delims.Component != ':' {
		t.Fatalf("groups %+v", ic.Groups)
	}
	po2, errs := ReadPO(ic.Groups[0].Sets[1], 0, 1)
	if len(errs) != 0 || po2.Number != "PO-2" {
		t.Fatalf("second 850: %v %+v", errs, po2)
	}
	asn, errs := ReadShipNotice(ic.Groups[1].Sets[0], 1, 0)
	if len(errs) != 0 {
		t.Fatalf("856: %v", errs)
	}
	if asn.Tracking != "1Z999AA10123456784" || asn.Carrier != "UPSN" || len(asn.Orders) != 1 || asn.Orders[0].Packs[0].SSCC != "012345600000000017" ||
		asn.Orders[0].Packs[0].Items[0].IDs["BP"] != "TEAPOT-CI" || asn.Orders[0].Packs[0].Items[0].Qty != 1 {
		t.Fatalf("856: %+v", asn)
	}
	// Written back (two groups, one with two sets) it reads the same.
	po1, _ := ReadPO(ic.Groups[0].Sets[0], 0, 0)
	out := Outgoing{From: Party{Qual: "01", ID: "123456789"}, To: Party{Qual: "ZZ", ID: "PACKLINE"}, Control: 202, At: time.Now(),
		Groups: []OutGroup{{FunctionalID: "PO", SetID: "850", Sets: [][]Segment{po1.Segments(), po2.Segments()}},
			{FunctionalID: "SH", SetID: "856", Sets: [][]Segment{asn.Segments()}}}}
	data, err := out.Write()
	if err != nil {
		t.Fatal(err)
	}
	ic2 := mustParse(t, string(data))
	if len(ic2.Problems) != 0 || len(ic2.Groups) != 2 {
		t.Fatalf("problems %v\n%s", ic2.Problems, data)
	}
	asn2, _ := ReadShipNotice(ic2.Groups[1].Sets[0], 1, 0)
	asn.Date, asn2.Date = time.Time{}, time.Time{}
	if !reflect.DeepEqual(asn, asn2) {
		t.Fatalf("856 round trip:\n%+v\n%+v", asn, asn2)
	}
	// At the last interchange number each group's control number (GS06,
	// at most 9 digits) is still its own, and its GE02 the same.
	out.Control = 999999999
	data, err = out.Write()
	if err != nil {
		t.Fatal(err)
	}
	var gs, ge []string
	for _, seg := range strings.Split(string(data), "~") {
		els := strings.Split(strings.TrimSpace(seg), "*")
		switch els[0] {
		case "GS":
			gs = append(gs, els[6])
		case "GE":
			ge = append(ge, els[2])
		}
	}
	if len(gs) != 2 || gs[0] == gs[1] || len(gs[0]) > 9 || len(gs[1]) > 9 || !slices.Equal(gs, ge) {
		t.Fatalf("group control numbers GS06 %v, GE02 %v", gs, ge)
	}
}

func TestEDIPOAckRoundTrip(t *testing.T) {
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	a := POAck{Purpose: "00", Type: AckTypeWithChange, PONumber: "PO-4711", PODate: day, OrderID: "PL00000001", Date: day, Lines: []AckLine{
		{POLine: POLine{ID: "1", Qty: 10, UOM: "EA", UnitPrice: "4.25", IDs: ItemIDs{"BP": "A-MUG-01"}, IDOrder: []string{"BP"}},
			Statuses: []AckStatus{{Code: AckAccepted, Qty: 6, UOM: "EA"}, {Code: AckBackordered, Qty: 4, UOM: "EA"}}},
		{POLine: POLine{ID: "2", Qty: 1, UOM: "EA", IDs: ItemIDs{"IN": "TEAPOT"}, IDOrder: []string{"IN"}},
			Statuses: []AckStatus{{Code: AckAccepted, Qty: 1, UOM: "EA"}}, ShipFrom: &Address{Code: "SF", Name: "Teapots Ltd", IDQual: "92", ID: "TEAPOTS"}},
	}}
	out := Outgoing{From: Party{Qual: "ZZ", ID: "PACKLINE"}, To: Party{Qual: "ZZ", ID: "ACME"}, Control: 5, At: day,
		Groups: []OutGroup{{FunctionalID: "PR", SetID: "855", Sets: [][]Segment{a.Segments()}}}}
	data, err := out.Write()
	if err != nil {
		t.Fatal(err)
	}
	ic := mustParse(t, string(data))
	if len(ic.Problems) != 0 {
		t.Fatalf("%v\n%s", ic.Problems, data)
	}
	got, errs := ReadPOAck(ic.Groups[0].Sets[0], 0, 0)
	if len(errs) != 0 || !reflect.DeepEqual(got, a) {
		t.Fatalf("855 round trip: %v\n%+v\n%+v", errs, got, a)
	}
}

// ackFor parses data and returns its 997 as text.
func ackFor(t *testing.T, data string, docProblems bool) (string, []FuncAck) {
	t.Helper()
	ic := mustParse(t, data)
	problems := append(Errors(nil), ic.Problems...)
	if docProblems {
		for gi, g := range ic.Groups {
			for si, s := range g.Sets {
				if s.ID == "850" {
					_, errs := ReadPO(s, gi, si)
					problems = append(problems, errs...)
				}
			}
		}
	}
	acks := Acknowledge(ic, problems, len(problems) > 0)
	var sets [][]Segment
	for _, a := range acks {
		sets = append(sets, a.Segments())
	}
	out := Outgoing{From: Party{Qual: "ZZ", ID: "PACKLINE"}, To: Party{Qual: "ZZ", ID: "ACMEBUYER"}, Control: 9, At: time.Now(),
		Groups: []OutGroup{{FunctionalID: "FA", SetID: "997", Sets: sets}}}
	b, err := out.Write()
	if err != nil {
		t.Fatal(err)
	}
	// The 997 itself must read back to the same acknowledgment.
	ic2 := mustParse(t, string(b))
	if len(ic2.Problems) != 0 {
		t.Fatalf("997 has problems: %v\n%s", ic2.Problems, b)
	}
	for i, s := range ic2.Groups[0].Sets {
		fa, errs := ReadFuncAck(s, 0, i)
		if len(errs) != 0 || !reflect.DeepEqual(fa, acks[i]) {
			t.Fatalf("997 round trip: %v\n%+v\n%+v", errs, fa, acks[i])
		}
	}
	return string(b), acks
}

func TestEDIAckAcceptsGoodGroups(t *testing.T) {
	text, acks := ackFor(t, twoGroups, true)
	if len(acks) != 2 || acks[0].Status != "A" || acks[0].Accepted != 2 || acks[1].Status != "A" {
		t.Fatalf("acks %+v", acks)
	}
	for _, want := range []string{"AK1*PO*7~", "AK2*850*0007~", "AK5*A~", "AK9*A*2*2*2~", "AK1*SH*8~"} {
		if !strings.Contains(text, want) {
			t.Errorf("997 lacks %q:\n%s", want, text)
		}
	}
}

func TestEDIBadInputNamesSegmentAndElement(t *testing.T) {
	cases := []struct {
		name, data string
		want       []string // fragments of the 997
	}{
		{"wrong segment count", strings.Replace(samplePO, "SE*18*0001", "SE*17*0001", 1),
			[]string{"AK3*SE*18**8~", "AK4*1*96*7*17~", "AK5*R*4~", "AK9*R*1*1*0~"}},
		{"set control mismatch", strings.Replace(samplePO, "SE*18*0001", "SE*18*0002", 1),
			[]string{"AK3*SE*18**8~", "AK4*2*329*7*0002~", "AK5*R*3~"}},
		{"group count wrong", strings.Replace(samplePO, "GE*1*101", "GE*2*101", 1),
			[]string{"AK9*R*1*1*0*5~"}},
		{"unknown qualifier", strings.Replace(samplePO, "N1*ST*Acme", "N1*XX*Acme", 1),
			[]string{"AK3*N1*8*N1*8~", "AK4*1*98*7*XX~", "AK5*R*5~"}},
		{"unknown product qualifier", strings.Replace(samplePO, "**EN*4006381333931", "**QQ*4006381333931", 1),
			[]string{"AK3*PO1*14*PO1*8~", "AK4*6*235*7*QQ~"}},
		{"missing mandatory element", strings.Replace(samplePO, "BEG*00*SA*PO-4711", "BEG*00*SA*", 1),
			[]string{"AK3*BEG*2**8~", "AK4*3*324*1~", "AK5*R*5~"}},
		{"missing mandatory segment", strings.Replace(samplePO, "BEG*00*SA*PO-4711**20261128~\n", "", 1),
			[]string{"AK3*BEG*2**3~"}},
		{"bad date", strings.Replace(samplePO, "DTM*002*20261210", "DTM*002*20261310", 1),
			[]string{"AK3*DTM*4**8~", "AK4*2*373*8*20261310~"}},
		{"truncated ISA", strings.Replace(samplePO, "*ACMEBUYER      *", "*ACMEBUYER*", 1),
			[]string{"AK3*ISA*1**8~", "AK4*6*I06*4~", "AK5*R*5~", "AK9*R*1*1*0~"}},
		{"no trailer", samplePO[:strings.Index(samplePO, "SE*18")],
			[]string{"AK5*R*2~", "AK9*R"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text, _ := ackFor(t, c.data, true)
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("997 lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestEDIErrorNamesSegmentElementAndLine(t *testing.T) {
	ic := mustParse(t, samplePO)
	_, errs := ReadPO(ic.Groups[0].Sets[0], 0, 0)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	bad := strings.Replace(samplePO, "PO1*2*3*EA", "PO1*2*three*EA", 1)
	ic = mustParse(t, bad)
	_, errs = ReadPO(ic.Groups[0].Sets[0], 0, 0)
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	if msg := errs[0].Error(); !strings.Contains(msg, "segment 16 (PO1, position 14") || !strings.Contains(msg, "element PO102 (data element 330)") {
		t.Fatalf("error %q does not name segment, line and element", msg)
	}
}

func TestEDINotX12(t *testing.T) {
	if _, err := Parse([]byte("hello")); err == nil {
		t.Fatal("want an error")
	}
	for _, data := range []string{"ISA", "ISA*", "ISA*00*", samplePO[:105], samplePO[:106]} {
		ic, err := Parse([]byte(data))
		if err != nil && data != "ISA" {
			t.Fatalf("%q: %v", data, err)
		}
		if ic != nil && len(ic.Problems) == 0 {
			t.Fatalf("%q: no problems", data)
		}
	}
}

// delimiterSets are interchanges' delimiters the writer must honour:
// Packline's own and a partner's pipe, colon and newline.
var delimiterSets = map[string]Delimiters{
	"star-gt-tilde":        DefaultDelimiters,
	"pipe-colon-newline":   {Element: '|', Component: ':', Segment: '\n'},
	"caret-backslash-apos": {Element: '^', Component: '\\', Segment: '\'', Suffix: "\r\n"},
	"high-bytes":           {Element: 0xA6, Component: 0x85, Segment: 0x1C},
}

// poWith is a one-line 850 whose PO107 (the buyer's part) is part.
func poWith(part string) Outgoing {
	po := PurchaseOrder{Number: "PO-1", Date: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC),
		Lines: []POLine{{ID: "1", Qty: 1, UOM: "EA", IDs: ItemIDs{"BP": part}, IDOrder: []string{"BP"}}}}
	return Outgoing{From: Party{Qual: "ZZ", ID: "PACKLINE"}, To: Party{Qual: "ZZ", ID: "TEAPOTSUP"}, Control: 1, At: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC),
		Groups: []OutGroup{{FunctionalID: "PO", SetID: "850", Sets: [][]Segment{po.Segments()}}}}
}

func TestEDIWriteRefusesEachDelimiterInData(t *testing.T) {
	for name, d := range delimiterSets {
		for _, c := range []struct {
			what string
			b    byte
		}{{"element separator", d.Element}, {"component separator", d.Component}, {"segment terminator", d.Segment},
			{"carriage return", '\r'}, {"line feed", '\n'}} {
			if c.b == '\n' && d.Segment == '\n' {
				continue // the same byte, already the segment terminator
			}
			t.Run(name+"/"+c.what, func(t *testing.T) {
				part := "TEA" + string([]byte{c.b}) + "POT"
				out := poWith(part)
				out.Delims = d
				data, err := out.Write()
				var de *DelimiterError
				if !errors.As(err, &de) || data != nil {
					t.Fatalf("wrote %q with a %s in PO107: %v", data, c.what, err)
				}
				// ISA, GS, ST, BEG, PO1: the PO1 is the interchange's 5th
				// segment and its set's 3rd.
				if de.Segment != "PO1" || de.Line != 5 || de.SetPos != 3 || de.Element != 7 || de.Char != c.b || de.Delimiter != c.what || de.Value != part {
					t.Fatalf("refusal %+v, want PO1 at 5 (3 in the set), element 7, %s %q", de, c.what, c.b)
				}
				for _, want := range []string{"segment 5 (PO1, position 3 in its transaction set)", "element PO107", c.what, strconv.Quote(string([]byte{c.b}))} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
			})
		}
	}
	// The ISA's sender and receiver IDs are refused the same way.
	out := poWith("X")
	out.To.ID = "TEAPOTS~UP"
	var de *DelimiterError
	if _, err := out.Write(); !errors.As(err, &de) || de.Segment != "ISA" || de.Element != 8 || de.Char != '~' {
		t.Fatalf("receiver ID with a terminator: %v", err)
	}
	// Another interchange's delimiters are only data here.
	out = poWith("TEA|POT:1")
	data, err := out.Write()
	if err != nil {
		t.Fatal(err)
	}
	po, errs := ReadPO(mustParse(t, string(data)).Groups[0].Sets[0], 0, 0)
	if len(errs) != 0 || po.Lines[0].IDs["BP"] != "TEA|POT:1" {
		t.Fatalf("read back: %v %+v", errs, po.Lines)
	}
	if got := Clean("Smith*~Jones\n>", 60); got != "Smith  Jones" {
		t.Fatalf("Clean: %q", got)
	}
}

func TestEDIWriteRefusesDelimitersThatCannotBeRead(t *testing.T) {
	for _, d := range []Delimiters{
		{Element: '*', Component: '*', Segment: '~'},
		{Element: '*', Component: '>', Segment: 'A'},
		{Element: '\n', Component: '>', Segment: '~'},
		{Element: '*', Component: '>', Segment: '~', Suffix: " "},
	} {
		out := poWith("X")
		out.Delims = d
		if data, err := out.Write(); err == nil {
			t.Errorf("delimiters %+v accepted:\n%q", d, data)
		}
	}
	// Inside a set, an envelope segment would end it early and a bad ID
	// would not read as a segment at all.
	for _, s := range []Segment{Seg("SE", "2", "0001"), Seg("GE", "1", "1"), Seg("IEA", "1", "000000001"), Seg("ISA"), Seg("po1", "1"), Seg("")} {
		out := poWith("X")
		out.Groups[0].Sets[0] = append(out.Groups[0].Sets[0], s)
		if data, err := out.Write(); err == nil {
			t.Errorf("segment %q accepted in a set:\n%q", s.ID, data)
		}
	}
}

// readsBack checks that what Write made of out parses cleanly to the same
// TA1s, groups, sets and elements (trailing empty elements are not
// written).
func readsBack(t *testing.T, out Outgoing, data []byte) {
	t.Helper()
	ic, err := Parse(data)
	if err != nil || len(ic.Problems) != 0 {
		t.Fatalf("written interchange does not read cleanly: %v %v\n%q", err, ic.Problems, data)
	}
	if len(ic.TA1) != len(out.TA1) {
		t.Fatalf("%d TA1s read back, %d written:\n%q", len(ic.TA1), len(out.TA1), data)
	}
	for i, s := range out.TA1 {
		tr := strings.TrimSpace
		want := InterchangeAck{Control: tr(s.El(1)), Date: tr(s.El(2)), Time: tr(s.El(3)), Status: tr(s.El(4)), Note: tr(s.El(5))}
		if ic.TA1[i] != want {
			t.Fatalf("TA1 %d reads back as %+v, written %+v:\n%q", i+1, ic.TA1[i], want, data)
		}
	}
	type set struct {
		fid, id string
		body    []Segment
	}
	var want, got []set
	for _, g := range out.Groups {
		for _, b := range g.Sets {
			want = append(want, set{g.FunctionalID, g.SetID, b})
		}
	}
	for _, g := range ic.Groups {
		for _, s := range g.Sets {
			got = append(got, set{g.FunctionalID, s.ID, s.Body()})
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d sets read back, %d written:\n%q", len(got), len(want), data)
	}
	for i := range want {
		if got[i].fid != want[i].fid || got[i].id != want[i].id || len(got[i].body) != len(want[i].body) {
			t.Fatalf("set %d reads back as %s/%s with %d segments, written %s/%s with %d:\n%q", i+1,
				got[i].fid, got[i].id, len(got[i].body), want[i].fid, want[i].id, len(want[i].body), data)
		}
		for j, w := range want[i].body {
			g := got[i].body[j]
			wantEls := w.Elements
			for len(wantEls) > 0 && wantEls[len(wantEls)-1] == "" {
				wantEls = wantEls[:len(wantEls)-1]
			}
			if g.ID != w.ID || len(g.Elements) != len(wantEls) || (len(wantEls) > 0 && !reflect.DeepEqual(g.Elements, wantEls)) {
				t.Fatalf("set %d segment %d reads back as %s %q, written %s %q:\n%q", i+1, j+1, g.ID, g.Elements, w.ID, wantEls, data)
			}
		}
	}
}

func TestEDIWriteReadsBackWhatItAccepts(t *testing.T) {
	for name, d := range delimiterSets {
		t.Run(name, func(t *testing.T) {
			// Every byte the interchange does not use as a delimiter is
			// data, spaces at either end and empty elements included.
			var data []byte
			for b := 1; b < 256; b++ {
				if c := byte(b); c != d.Element && c != d.Component && c != d.Segment && c != '\r' && c != '\n' {
					data = append(data, c)
				}
			}
			body := []Segment{Seg("BEG", "00", "SA", " PO 1 ", "", "20261129"), Seg("N9", string(data), "", " ", string(data[:40]), string(data[40:])),
				Seg("CTT"), Seg("PID", "F", "", "", "", "")}
			out := Outgoing{From: Party{Qual: "ZZ", ID: "PACKLINE"}, To: Party{Qual: "01", ID: "123456789"}, Control: 9, At: time.Now(), Delims: d,
				Groups: []OutGroup{{FunctionalID: "PO", SetID: "850", Sets: [][]Segment{body, body[:1]}}, {FunctionalID: "FA", SetID: "997", Sets: [][]Segment{body[2:]}}}}
			written, err := out.Write()
			if err != nil {
				t.Fatal(err)
			}
			readsBack(t, out, written)
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(samplePO))
	f.Add([]byte(twoGroups))
	for _, v := range variants(samplePO) {
		f.Add([]byte(v))
	}
	f.Add([]byte("ISA*00*"))
	// Data holding another interchange's delimiters: written with
	// Packline's it is refused, with its own it reads back.
	for _, c := range []string{"*", ">", "~", "*~>"} {
		f.Add([]byte(strings.Replace(variants(samplePO)["pipe-newline-colon"], "A-MUG-01", "A"+c+"MUG-01", 1)))
	}
	f.Add([]byte(strings.Replace(samplePO, "A-MUG-01", "A:MUG|01", 1)))
	f.Add([]byte(strings.Replace(samplePO, "*0*P*>~\nGS", "*1*P*>~\nTA1*000000042*261128*1705*R*001~\nGS", 1)))
	f.Add([]byte(strings.Replace(samplePO, "IEA*1*000000101", "IEA*2*000000102", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		ic, err := Parse(data)
		if err != nil {
			return
		}
		var problems Errors
		problems = append(problems, ic.Problems...)
		for gi, g := range ic.Groups {
			for si, s := range g.Sets {
				_, e1 := ReadPO(s, gi, si)
				_, e2 := ReadShipNotice(s, gi, si)
				_, e3 := ReadPOAck(s, gi, si)
				_, e4 := ReadFuncAck(s, gi, si)
				problems = append(problems, e1...)
				_ = append(append(e2, e3...), e4...)
			}
		}
		ta1Clean := true
		for _, p := range problems {
			_ = p.Error()
			if p.Segment == "TA1" {
				ta1Clean = false
			}
		}
		// Whatever the writer accepts, the reader reads back element for
		// element: each parsed set (and each TA1 that read cleanly)
		// written again with the input's own delimiters and with
		// Packline's.
		for _, d := range []Delimiters{ic.Delims, DefaultDelimiters} {
			out := Outgoing{From: Party{Qual: "ZZ", ID: "A"}, To: Party{Qual: "ZZ", ID: "B"}, Control: 1, At: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC), Delims: d}
			for _, a := range ic.TA1 {
				if ta1Clean {
					out.TA1 = append(out.TA1, a.Segment())
				}
			}
			for _, g := range ic.Groups {
				for _, s := range g.Sets {
					out.Groups = append(out.Groups, OutGroup{FunctionalID: g.FunctionalID, SetID: s.ID, Sets: [][]Segment{s.Body()}})
				}
			}
			b, err := out.Write()
			var de *DelimiterError
			if errors.As(err, &de) && strings.IndexByte(de.Value, de.Char) < 0 {
				t.Fatalf("refused %q for a %s %q it does not hold", de.Value, de.Delimiter, de.Char)
			}
			if err == nil {
				readsBack(t, out, b)
			}
		}
		for _, a := range Acknowledge(ic, problems, len(problems) > 0) {
			out := Outgoing{From: Party{Qual: "ZZ", ID: "A"}, To: Party{Qual: "ZZ", ID: "B"}, Control: 1, At: time.Now(),
				Groups: []OutGroup{{FunctionalID: "FA", SetID: "997", Sets: [][]Segment{a.Segments()}}}}
			b, err := out.Write()
			if err != nil {
				t.Fatalf("997 for %q cannot be written: %v", data, err)
			}
			if ic2, err := Parse(b); err != nil || len(ic2.Problems) != 0 {
				t.Fatalf("997 for %q does not parse cleanly: %v %v", data, err, ic2.Problems)
			}
		}
		// A TA1 due is always written, reads back as it was, and is not
		// itself answered.
		if a, due := InterchangeAnswer(ic); due {
			out := Outgoing{From: Party{Qual: "ZZ", ID: "A"}, To: Party{Qual: "ZZ", ID: "B"}, Control: 1, At: time.Now(), TA1: []Segment{a.Segment()}}
			b, err := out.Write()
			if err != nil {
				t.Fatalf("TA1 for %q cannot be written: %v", data, err)
			}
			ic2, err := Parse(b)
			if err != nil || len(ic2.Problems) != 0 || len(ic2.TA1) != 1 || ic2.TA1[0] != a {
				t.Fatalf("TA1 %+v for %q does not read back: %v %v", a, data, err, ic2)
			}
			if again, due := InterchangeAnswer(ic2); due {
				t.Fatalf("TA1 %+v answered with %+v", a, again)
			}
		}
	})
}

func FuzzReadPO(f *testing.F) {
	f.Add([]byte("BEG*00*SA*PO-1**20261129~PO1*1*2*EA*1.5**BP*X~CTT*1~"))
	f.Fuzz(func(t *testing.T, body []byte) {
		if bytes.ContainsAny(body, "\x00") {
			return
		}
		segs := split(body, DefaultDelimiters, 4)
		set := Set{ID: "850", Control: "0001", Segments: append(append([]Segment{{ID: "ST", Elements: []string{"850", "0001"}}}, segs...), Segment{ID: "SE"})}
		po, _ := ReadPO(set, 0, 0)
		_ = po.Segments()
	})
}

func TestEDIShipNoticeChecksItsHierarchy(t *testing.T) {
	i := strings.Index(twoGroups, "GS*SH")
	asn := twoGroups[:strings.Index(twoGroups, "GS*PO")] + twoGroups[i:]
	asn = strings.Replace(asn, "IEA*2", "IEA*1", 1)
	for _, c := range []struct{ name, from, to, want string }{
		{"out of sequence", "HL*3*2*P", "HL*5*2*P", "HL01 \"5\" out of sequence"},
		{"unknown parent", "HL*4*3*I", "HL*4*9*I", "HL02 parent \"9\""},
		{"item under shipment", "HL*2*1*O", "HL*2*1*I", "HL level I cannot hang off \"S\""},
		{"bad SSCC", "MAN*GM*00012345600000000017", "MAN*GM*12345", "not an 18-digit SSCC"},
		{"HL count", "CTT*4", "CTT*3", "CTT01 says 3 HL levels"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ic := mustParse(t, strings.Replace(asn, c.from, c.to, 1))
			if len(ic.Problems) != 0 {
				t.Fatalf("envelope: %v", ic.Problems)
			}
			_, errs := ReadShipNotice(ic.Groups[0].Sets[0], 0, 0)
			if len(errs) == 0 || !strings.Contains(errs.Error(), c.want) {
				t.Fatalf("errors %v, want %q", errs, c.want)
			}
		})
	}
}

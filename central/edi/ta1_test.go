package edi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// withAck sets ISA14 of an interchange written like samplePO.
func withAck(data, isa14 string) string {
	return strings.Replace(data, "*000000101*0*P*", "*000000101*"+isa14+"*P*", 1)
}

func TestEDIInterchangeAnswer(t *testing.T) {
	cases := []struct {
		name, data string
		due        bool
		status     string
		note       string
	}{
		{"asked for, good", withAck(samplePO, "1"), true, "A", NoteNoError},
		{"not asked for, good", samplePO, false, "A", NoteNoError},
		// The 997 rejects the group; the envelope is good.
		{"asked for, group rejected", withAck(strings.Replace(samplePO, "GE*1*101", "GE*2*101", 1), "1"), true, "A", NoteNoError},
		{"asked for, set rejected", withAck(strings.Replace(samplePO, "SE*18*0001", "SE*17*0001", 1), "1"), true, "A", NoteNoError},
		// A bad envelope is answered whether asked or not.
		{"control numbers differ", strings.Replace(samplePO, "IEA*1*000000101", "IEA*1*000000102", 1), true, "R", NoteControlMismatch},
		{"group count wrong", strings.Replace(samplePO, "IEA*1*", "IEA*2*", 1), true, "R", NoteGroupCountMismatch},
		{"no IEA", samplePO[:strings.Index(samplePO, "IEA*")], true, "R", NotePrematureEnd},
		{"segment after the IEA", samplePO + "GS*PO*X*Y*20261129*0930*1*X*004010~\n", true, "R", NoteBadStructure},
		{"GE without GS", strings.Replace(samplePO, "IEA*1*", "GE*1*5~\nIEA*1*", 1), true, "R", NoteBadStructure},
		{"data outside any group", strings.Replace(samplePO, "GS*PO", "REF*ZZ*1~\nGS*PO", 1), true, "R", NoteBadContent},
		{"ISA12 too short", strings.Replace(samplePO, "*00401*", "*0041*", 1), true, "R", NoteBadVersion},
		{"ISA14 not 0 or 1", withAck(samplePO, "2"), true, "R", NoteBadAckRequested},
		{"ISA09 not a date", strings.Replace(samplePO, "*261129*0930*", "*261399*0930*", 1), true, "R", NoteBadDate},
		// Nothing to name: ISA13 cannot be echoed.
		{"ISA13 unreadable", strings.Replace(samplePO, "*000000101*0*P*", "*00000010X*0*P*", 1), false, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ic := mustParse(t, c.data)
			a, due := InterchangeAnswer(ic)
			if due != c.due {
				t.Fatalf("due %v, want %v (%+v; problems %v)", due, c.due, a, ic.Problems)
			}
			if !c.due {
				return
			}
			want := InterchangeAck{Control: "000000101", Date: "261129", Time: "0930", Status: c.status, Note: c.note}
			if c.name == "ISA09 not a date" {
				want.Date = "261399" // echoed as received
			}
			if a != want {
				t.Fatalf("TA1 %+v, want %+v; problems %v", a, want, ic.Problems)
			}
		})
	}
}

func TestEDITA1WrittenAloneAndWithA997ReadsBack(t *testing.T) {
	a, due := InterchangeAnswer(mustParse(t, withAck(samplePO, "1")))
	if !due {
		t.Fatal("no TA1 due")
	}
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	alone := Outgoing{From: Party{Qual: "ZZ", ID: "PACKLINE"}, To: Party{Qual: "ZZ", ID: "ACMEBUYER"}, Control: 7, At: at, TA1: []Segment{a.Segment()}}
	data, err := alone.Write()
	if err != nil {
		t.Fatal(err)
	}
	ic := mustParse(t, string(data))
	if len(ic.Problems) != 0 || len(ic.Groups) != 0 || !reflect.DeepEqual(ic.TA1, []InterchangeAck{a}) {
		t.Fatalf("TA1 alone reads back as %+v, %d groups, problems %v:\n%s", ic.TA1, len(ic.Groups), ic.Problems, data)
	}
	if !strings.Contains(string(data), "IEA*0*000000007~") {
		t.Fatalf("TA1 alone is not an interchange of 0 groups:\n%s", data)
	}
	// A TA1 is never answered with a TA1, even when ISA14 asks.
	again := strings.Replace(string(data), "*000000007*0*", "*000000007*1*", 1)
	if b, due := InterchangeAnswer(mustParse(t, again)); due {
		t.Fatalf("a TA1 answered with %+v", b)
	}

	// With a 997: the TA1 stands before the group.
	_, acks := ackFor(t, samplePO, true)
	both := alone
	both.Groups = []OutGroup{{FunctionalID: "FA", SetID: "997", Sets: [][]Segment{acks[0].Segments()}}}
	data, err = both.Write()
	if err != nil {
		t.Fatal(err)
	}
	readsBack(t, both, data)
	ic = mustParse(t, string(data))
	fa, errs := ReadFuncAck(ic.Groups[0].Sets[0], 0, 0)
	if len(errs) != 0 || !reflect.DeepEqual(ic.TA1, []InterchangeAck{a}) || fa.Status != "A" {
		t.Fatalf("TA1 and 997 read back as %+v, %+v %v", ic.TA1, fa, errs)
	}
	if i, j := strings.Index(string(data), "TA1*"), strings.Index(string(data), "GS*"); i < 0 || j < i {
		t.Fatalf("TA1 not before the group:\n%s", data)
	}
	// Only TA1s go where the TA1s go.
	bad := alone
	bad.TA1 = []Segment{Seg("GS", "FA")}
	if _, err := bad.Write(); err == nil {
		t.Fatal("a GS written among the TA1s")
	}
}

func TestEDIReadsPartnersTA1(t *testing.T) {
	head := samplePO[:strings.Index(samplePO, "GS*")]
	ic := mustParse(t, head+"TA1*000000042*261128*1705*R*001~\nTA1*000000043*261128*1710*A*000~\nIEA*0*000000101~\n")
	want := []InterchangeAck{{Control: "000000042", Date: "261128", Time: "1705", Status: "R", Note: NoteControlMismatch},
		{Control: "000000043", Date: "261128", Time: "1710", Status: "A", Note: NoteNoError}}
	if len(ic.Problems) != 0 || !reflect.DeepEqual(ic.TA1, want) {
		t.Fatalf("TA1s %+v, problems %v", ic.TA1, ic.Problems)
	}
	if s := ic.TA1[0].String(); !strings.Contains(s, "000000042") || !strings.Contains(s, "R 001") || !strings.Contains(s, "ISA and IEA differ") {
		t.Fatalf("String: %q", s)
	}
	for _, c := range []struct{ name, ta1, want string }{
		{"bad status", "TA1*000000042*261128*1705*X*001", "segment 2 (TA1) element TA104 (data element I17)"},
		{"short control number", "TA1*42*261128*1705*A*000", "element TA101 (data element I12)"},
		{"missing note", "TA1*000000042*261128*1705*A", "TA105 is mandatory and missing"},
		{"bad time", "TA1*000000042*261128*17*A*000", "element TA103 (data element I09)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ic := mustParse(t, head+c.ta1+"~\nIEA*0*000000101~\n")
			if len(ic.Problems) != 1 || !strings.Contains(ic.Problems.Error(), c.want) || len(ic.TA1) != 1 {
				t.Fatalf("problems %v, want one naming %q", ic.Problems, c.want)
			}
		})
	}
	// TA1s go before the groups.
	ic = mustParse(t, strings.Replace(samplePO, "IEA*1*", "TA1*000000042*261128*1705*A*000~\nIEA*1*", 1))
	if len(ic.Problems) != 1 || ic.Problems[0].Note != NoteBadStructure || ic.Problems[0].Segment != "TA1" {
		t.Fatalf("TA1 after a group: %v", ic.Problems)
	}
}

func TestEDIEnvelopeProblemsCarryANoteCode(t *testing.T) {
	// Problems inside a group are the 997's; they carry no note code.
	ic := mustParse(t, strings.Replace(strings.Replace(samplePO, "GE*1*101", "GE*1*102", 1), "SE*18", "SE*3", 1))
	if len(ic.Problems) == 0 {
		t.Fatal("no problems")
	}
	for _, p := range ic.Problems {
		if p.Note != "" {
			t.Errorf("%v carries note %s", p, p.Note)
		}
	}
	var se *SyntaxError
	ic = mustParse(t, strings.Replace(samplePO, "IEA*1*000000101", "IEA*1*000000102", 1))
	if len(ic.Problems) != 1 || !errors.As(error(ic.Problems[0]), &se) || se.Note != NoteControlMismatch || se.Segment != "IEA" || se.Element != 2 {
		t.Fatalf("problems %v", ic.Problems)
	}
}

package printers_test

import (
	"testing"

	"github.com/packline/packline/printers"
	"github.com/packline/packline/shipping"
)

// TestIMpbAgreesWithShipping keeps printers.IsIMpb in step with
// shipping.CheckIMpb, which printers does not import (the two are peers
// over oms): every number shipping.MakeIMpb issues at the edges of both
// Mailer ID forms is an IMpb to both, and so is, or is not, every
// single-digit change of it and every near miss.
func TestIMpbAgreesWithShipping(t *testing.T) {
	agree := func(s string) {
		t.Helper()
		want := shipping.CheckIMpb(s) == nil
		if got := printers.IsIMpb(s); got != want {
			t.Errorf("IsIMpb(%q) = %v, shipping.CheckIMpb says %v", s, got, want)
		}
	}
	forms := []struct {
		channel, mailerID string
		serials           []int64
	}{
		{"92", "901649173", []int64{0, 1, 1275108, 9_999_999}},
		{"92", "999999999", []int64{0, 9_999_999}},
		{"93", "012345", []int64{0, 42, 9_999_999_999}},
		{"93", "899999", []int64{0, 9_999_999_999}},
	}
	for _, f := range forms {
		for _, serial := range f.serials {
			for _, stc := range []string{"001", "055", "999"} {
				n, err := shipping.MakeIMpb(f.channel, stc, f.mailerID, serial)
				if err != nil {
					t.Fatal(err)
				}
				if !printers.IsIMpb(n) {
					t.Errorf("shipping issued %s, printers.IsIMpb refuses it", n)
				}
				for i := range n {
					for d := byte('0'); d <= '9'; d++ {
						b := []byte(n)
						b[i] = d
						agree(string(b))
					}
				}
			}
		}
	}
	// The numbers printers' own tests use are what shipping issues.
	if n, _ := shipping.MakeIMpb("93", "001", "012345", 42); n != "9300101234500000000424" {
		t.Errorf("MakeIMpb(93, 001, 012345, 42) = %s", n)
	}
	if n, _ := shipping.MakeIMpb("92", "055", "901649173", 1275108); n != "9205590164917312751089" {
		t.Errorf("MakeIMpb(92, 055, 901649173, 1275108) = %s", n)
	}
	for _, s := range []string{"", "9405590164917312751087", "92055901649173127510890", "92055901649173127510891234", "420205009205590164917312751089", "JJD014600003828495", "1Z999AA10123456784", "EE123456785US", "340123450000000017"} {
		agree(s)
	}
}

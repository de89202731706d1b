package oms

import (
	"strings"
	"testing"
)

func TestCarrierCheckDigits(t *testing.T) {
	// UPS: 1Z999AA10123456784 is the sample number UPS publishes.
	if c, ok := UPSCheckDigit("999AA1012345678"); !ok || c != '4' {
		t.Errorf("UPS check digit of 999AA1012345678 = %c %v, published: 4", c, ok)
	}
	// UPU S10 standard: serial 47312482 has weighted sum 200 and check
	// digit 9; the special cases 10 -> 0 and 11 -> 5.
	for serial, want := range map[string]byte{"47312482": '9', "12345678": '5', "00000000": '5', "00000001": '4'} {
		if c, ok := S10CheckDigit(serial); !ok || c != want {
			t.Errorf("S10 check digit of %s = %c %v, want %c", serial, c, ok, want)
		}
	}
	for _, bad := range []string{"", "999AA101234567", "999aa1012345678", "999AA101234567!"} {
		if _, ok := UPSCheckDigit(bad); ok {
			t.Errorf("UPS body %q accepted", bad)
		}
	}
	for _, bad := range []string{"", "4731248", "4731248X", "473124820"} {
		if _, ok := S10CheckDigit(bad); ok {
			t.Errorf("S10 serial %q accepted", bad)
		}
	}
}

func TestCheckIMpb(t *testing.T) {
	// 9205590164917312751089: the scanner's IMpb test number (channel 92,
	// service type 055, Mailer ID 901649173, serial 1275108, check 9);
	// 9212391234567812345670 is USPS Publication 199's worked MOD 10
	// example (check digit 0).
	for _, good := range []string{"9205590164917312751089", "9212391234567812345670"} {
		if err := CheckIMpb(good); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for bad, want := range map[string]string{
		"9205590164917312751088":  "check digit should be 9",
		"920559016491731275108":   "want 22 digits",
		"92055901649173127510x9":  "want 22 digits",
		"9405590164917312751089":  "channel 94",
		"9205580164917312751089":  "channel 92 needs a 9-digit Mailer ID",
		"9305590164917312751089":  "channel 93 needs a 6-digit Mailer ID",
		"92055901649173127510899": "want 22 digits",
	} {
		if err := CheckIMpb(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", bad, err, want)
		}
	}
}

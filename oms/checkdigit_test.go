package oms

import "testing"

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

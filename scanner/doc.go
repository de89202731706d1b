// Package scanner is how the floor talks to Packline: it decodes what
// barcode scanners send and classifies it, reads serial and USB HID
// scanners, and serves decoded scans to stations.
//
// Decoding (scan.go, aim.go, gs1*.go, retail.go, classify.go, decode.go)
// takes the bytes of one scan, AIM symbology identifier included, and
// returns a Scan: the identifier is read and removed; GS1 data is parsed in
// any of its three forms (element strings with GS as FNC1, the bracketed
// form, Digital Link URIs) and checked against the GS1 Barcode Syntax
// Dictionary, whose AI table gs1_table.go is generated from (go generate);
// UPC/EAN codes are checked and normalised to GTIN-14; and the scan is
// classified by site patterns (Config) into a Kind. A Decoder never panics
// and is safe for concurrent use; every failure is a Scan with OK false and
// an error naming what and where. DecodeStream is the offline pipeline
// behind `scannerd decode`. See docs/scanner-decoding.md.
//
// The device side (serial.go, evdev.go, hotplug.go, list.go) and the daemon
// with its client (daemon.go, client.go) are described in their files.
package scanner

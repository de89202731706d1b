package scanner

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.bug.st/serial/enumerator"
)

// scannerVendors maps USB vendor ids (lowercase hex) of barcode scanner
// makers to their names.
var scannerVendors = map[string]string{
	"05e0": "Zebra (Symbol)",
	"0a5f": "Zebra",
	"0c2e": "Honeywell (Metrologic, Hand Held)",
	"0536": "Honeywell (Hand Held Products)",
	"05f9": "Datalogic",
	"1eab": "Newland",
	"065a": "Opticon",
}

// KnownVendor returns the scanner maker for a USB vendor id such as
// "0c2e", or "" when it is not a known scanner maker.
func KnownVendor(vid string) string {
	return scannerVendors[strings.ToLower(strings.TrimPrefix(strings.ToLower(vid), "0x"))]
}

// SerialPort is a serial port found on this machine.
type SerialPort struct {
	// Path is the device path, such as /dev/ttyACM0.
	Path string `json:"path"`
	// ByID is the stable /dev/serial/by-id link to it, when there is one:
	// the path to put in the config.
	ByID string `json:"by_id,omitempty"`
	// USB is true for USB serial ports.
	USB bool `json:"usb"`
	// VID and PID are the USB vendor and product ids.
	VID string `json:"vid,omitempty"`
	PID string `json:"pid,omitempty"`
	// SerialNumber, Manufacturer and Product are the USB strings.
	SerialNumber string `json:"serial_number,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	// Vendor is the known scanner maker, "" when VID is not one.
	Vendor string `json:"vendor,omitempty"`
}

// ListSerial enumerates the serial ports with their USB ids and marks
// known scanner vendors.
func ListSerial() ([]SerialPort, error) {
	ports, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("enumerate serial ports: %w", err)
	}
	byID := stableLinks("/dev/serial/by-id")
	out := make([]SerialPort, 0, len(ports))
	for _, p := range ports {
		if p == nil || p.Name == "" {
			continue
		}
		sp := SerialPort{
			Path: p.Name, ByID: byID[p.Name], USB: p.IsUSB,
			VID: strings.ToLower(p.VID), PID: strings.ToLower(p.PID),
			SerialNumber: p.SerialNumber, Manufacturer: p.Manufacturer, Product: p.Product,
		}
		if sp.USB {
			sp.Vendor = KnownVendor(sp.VID)
		}
		out = append(out, sp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// InputDevice is an evdev keyboard device found on this machine.
type InputDevice struct {
	// Path is the event node, such as /dev/input/event3.
	Path string `json:"path"`
	// ByID is the stable /dev/input/by-id link to it, when there is one.
	ByID string `json:"by_id,omitempty"`
	// Name is the device's name as the kernel reports it.
	Name string `json:"name"`
	// VID and PID are the vendor and product ids.
	VID string `json:"vid,omitempty"`
	PID string `json:"pid,omitempty"`
	// Vendor is the known scanner maker, "" when VID is not one.
	Vendor string `json:"vendor,omitempty"`
}

// ListInput enumerates evdev devices that have keys, which is how HID
// scanners in keyboard mode appear, from sysfs.
func ListInput() ([]InputDevice, error) {
	const sys = "/sys/class/input"
	entries, err := os.ReadDir(sys)
	if err != nil {
		if os.IsNotExist(err) {
			return []InputDevice{}, nil
		}
		return nil, fmt.Errorf("enumerate input devices in %s: %w", sys, err)
	}
	byID := stableLinks("/dev/input/by-id")
	out := []InputDevice{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "event") {
			continue
		}
		dev := filepath.Join(sys, e.Name(), "device")
		// EV_KEY is bit 1 of the capability mask.
		if ev := readSysLine(filepath.Join(dev, "capabilities", "ev")); ev == "" || !hexBitSet(ev, 1) {
			continue
		}
		d := InputDevice{
			Path: "/dev/input/" + e.Name(),
			Name: readSysLine(filepath.Join(dev, "name")),
			VID:  readSysLine(filepath.Join(dev, "id", "vendor")),
			PID:  readSysLine(filepath.Join(dev, "id", "product")),
		}
		d.ByID = byID[d.Path]
		d.Vendor = KnownVendor(d.VID)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func readSysLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// hexBitSet reports whether bit n is set in a sysfs hex bitmask whose
// last word holds the low bits.
func hexBitSet(mask string, n uint) bool {
	words := strings.Fields(mask)
	if len(words) == 0 {
		return false
	}
	var v uint64
	if _, err := fmt.Sscanf(words[len(words)-1], "%x", &v); err != nil {
		return false
	}
	return n < 64 && v&(1<<n) != 0
}

// stableLinks maps device paths to the symlinks in dir that point at them.
func stableLinks(dir string) map[string]string {
	links := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return links
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			continue
		}
		if _, ok := links[target]; !ok {
			links[target] = p
		}
	}
	return links
}

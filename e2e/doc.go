// Package e2e holds the end-to-end tests of the station with real
// processes: omsd (embedded NATS), vprinter, scannerd reading a
// pseudo-terminal, and the station TUI in tmux. It has no code of its own.
package e2e

// Package oms is Packline's domain: orders and their lines, SKUs and their
// barcodes, sites and locations, totes, cartons, shipments and returns, the
// order lifecycle as one transition table, and the typed events that carry
// facts between stations and central.
//
// It does no I/O and imports nothing else of Packline's, so every other
// package (station cache, sync, central, TUI) can share it.
package oms

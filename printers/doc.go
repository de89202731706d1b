// Package printers builds ZPL labels, renders the label templates, talks to
// Zebra-compatible printers (raw TCP 9100, serial, device file, CUPS raw
// queue), reads their ~HS status and spools print jobs so that a job is
// never lost and never printed twice because of a retry.
//
// Every piece of variable text reaches the printer through ^FH hex escaping
// under ^CI28 (UTF-8), so a '^' or '~' in a product title prints as text and
// can never start a command. Positions and sizes are given in millimetres and
// converted to dots for the printer's resolution (203, 300 or 600 dpi).
package printers

// Package edi reads and writes ANSI ASC X12 version 004010 interchanges:
// the ISA/IEA envelope with its fixed widths, GS/GE functional groups and
// ST/SE transaction sets, with the delimiters taken from each received
// ISA. It maps the documents Packline trades with its B2B customers and
// drop-ship suppliers: 850 purchase orders (in from customers, out to
// suppliers), 855 acknowledgments, 856 ship notices (out to customers, in
// from suppliers), 997 functional acknowledgments and TA1 interchange
// acknowledgments.
//
// Nothing here touches a database. Parse checks the envelope (widths,
// control numbers, segment and set counts) and reports each problem as a
// *SyntaxError that names the segment, its position and the element, in
// the terms a 997 needs (AK3/AK4 codes). The document readers (ReadPO,
// ReadShipNotice, ...) check mandatory elements and qualifiers the same
// way. Acknowledge turns the problems of an interchange into a 997.
// Problems of the interchange envelope itself also carry a TA105 note
// code, and InterchangeAnswer turns them into a TA1 (or accepts the
// envelope with one when ISA14 asks). TA1s received are read into
// Interchange.TA1.
//
// Outgoing.Write refuses element data that holds one of the
// interchange's delimiters (X12 has no escape) with a *DelimiterError
// naming the segment, its position, the element and the character.
//
// No input makes this package panic: FuzzParse and FuzzReadPO hold it to
// that. FuzzParse also holds the writer to its reader: whatever Write
// accepts reads back to the same elements.
package edi

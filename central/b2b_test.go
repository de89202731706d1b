package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/packline/packline/central/edi"
	"github.com/packline/packline/localdb"
	"github.com/packline/packline/oms"
	"github.com/packline/packline/sync"
)

// x12File wraps transaction set bodies (segments without terminators) in
// an interchange with one group, counting and numbering as X12 wants.
func x12File(sender, receiver string, ctl int, funcID, setID string, sets ...[]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ISA*00*          *00*          *ZZ*%-15s*ZZ*%-15s*261129*1200*U*00401*%09d*0*P*>~\n", sender, receiver, ctl)
	fmt.Fprintf(&b, "GS*%s*%s*%s*20261129*1200*%d*X*004010~\n", funcID, sender, receiver, ctl)
	for i, body := range sets {
		fmt.Fprintf(&b, "ST*%s*%04d~\n", setID, i+1)
		for _, s := range body {
			b.WriteString(s + "~\n")
		}
		fmt.Fprintf(&b, "SE*%d*%04d~\n", len(body)+2, i+1)
	}
	fmt.Fprintf(&b, "GE*%d*%d~\nIEA*1*%09d~\n", len(sets), ctl, ctl)
	return b.String()
}

// b2bPO is a three-line 850: SKU-1 by GTIN, SKU-2 by the buyer's item
// (an alias barcode), TEAPOT-CI by our part number (drop-shipped).
func b2bPO(number string) []string {
	return []string{
		"BEG*00*SA*" + number + "**20261128",
		"CUR*BY*GBP",
		"DTM*002*20261210",
		"N1*BY*Acme Retail Ltd*92*ACME",
		"N1*ST*Acme Store 12*92*STORE-12",
		"N3*1 High St",
		"N4*London**N1 9GU*GB",
		"PER*IC*Dock*EM*dock@acme.example",
		"PO1*1*2*EA*4.25**EN*4006381333931",
		"PO1*2*3*EA*1.10**BP*ACME-2",
		"PO1*3*1*EA*30**VP*TEAPOT-CI",
		"CTT*3",
	}
}

// b2bWorld is the test world with an EDI identity, a drop-ship supplier
// and the SKUs the 850 names.
func b2bWorld(t testing.TB) *world {
	t.Helper()
	w := newWorld(t)
	if err := w.store.PutSKU(w.ctx, oms.SKU{SKU: "SKU-2", Description: "item", Barcodes: []oms.Barcode{
		{Code: "5901234123457", Kind: oms.BarcodeGTIN13}, {Code: "ACME-2", Kind: oms.BarcodeAlias}}}); err != nil {
		t.Fatal(err)
	}
	if err := w.store.PutSKU(w.ctx, oms.SKU{SKU: "TEAPOT-CI", Description: "cast iron teapot"}); err != nil {
		t.Fatal(err)
	}
	cfg := EDIConfig{ISAID: "PACKLINE", Suppliers: []SupplierConfig{{ID: "TEAPOTS", Name: "Teapots Ltd", ISAQualifier: "ZZ", ISAID: "TEAPOTSUP",
		Address: oms.Address{Name: "Teapots Ltd", Street1: "2 Kiln Rd", City: "Stoke", PostalCode: "ST1 1AA", Country: "GB"}, SKUs: []string{"TEAPOT-CI"}}}}
	if err := w.store.ApplyEDIConfig(w.ctx, cfg); err != nil {
		t.Fatal(err)
	}
	return w
}

// doc returns the one queued document of a kind for an order, parsed.
func docs(t testing.TB, w *world, orderID, kind string) []*edi.Interchange {
	t.Helper()
	ds, err := w.store.EDIDocs(w.ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	var out []*edi.Interchange
	for _, d := range ds {
		if d.Kind != kind {
			continue
		}
		ic, err := edi.Parse(d.Body)
		if err != nil || len(ic.Problems) > 0 {
			t.Fatalf("%s %s does not parse: %v %v\n%s", kind, d.FileName, err, ic.Problems, d.Body)
		}
		out = append(out, ic)
	}
	return out
}

func TestB2BPurchaseOrderBecomesOrderWith855(t *testing.T) {
	w := b2bWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	res, err := w.store.ProcessEDIFile(w.ctx, "po1.x12", []byte(x12File("ACMEBUYER", "PACKLINE", 11, "PO", "850", b2bPO("PO-1"))))
	if err != nil || !res.Accepted || len(res.Orders) != 1 {
		t.Fatalf("process: %+v %v", res, err)
	}
	if !strings.Contains(string(res.Ack), "AK5*A~") || !strings.Contains(string(res.Ack), "AK9*A*1*1*1~") {
		t.Fatalf("997:\n%s", res.Ack)
	}
	id := res.Orders[0]
	w.svc.AllocateAll(w.ctx)
	v := w.view(t, id)
	if v.Channel != oms.ChannelEDI || v.ExternalID != "PO-1" || v.Customer.Name != "Acme Retail Ltd" || v.Customer.Email != "dock@acme.example" ||
		v.ShipTo.City != "London" || v.PromisedAt.IsZero() || v.Lines[0].UnitPrice != 425 || v.Lines[1].SKU != "SKU-2" || v.Lines[2].SKU != "TEAPOT-CI" {
		t.Fatalf("order: %+v", v)
	}
	if v.Status != oms.StateReleased || v.Lines[0].Allocated != 2 || v.Lines[1].Backordered != 3 {
		t.Fatalf("after allocation: %s %+v", v.Status, v.Lines)
	}
	if ds := v.Lines[2].DropShip; ds == nil || ds.Supplier != "TEAPOTS" || ds.State != "ordered" || ds.PONumber == "" || v.Lines[2].Backordered != 0 {
		t.Fatalf("drop-ship line: %+v %+v", v.Lines[2], v.Lines[2].DropShip)
	}
	acks := docs(t, w, id, "855")
	if len(acks) != 1 {
		t.Fatalf("%d 855s", len(acks))
	}
	ack, errs := edi.ReadPOAck(acks[0].Groups[0].Sets[0], 0, 0)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := [][]edi.AckStatus{{{Code: "IA", Qty: 2, UOM: "EA"}}, {{Code: "IB", Qty: 3, UOM: "EA"}}, {{Code: "IA", Qty: 1, UOM: "EA"}}}
	for i, l := range ack.Lines {
		if fmt.Sprint(l.Statuses) != fmt.Sprint(want[i]) {
			t.Errorf("855 line %s: %+v, want %+v", l.ID, l.Statuses, want[i])
		}
	}
	if ack.Type != "AC" || ack.PONumber != "PO-1" || ack.OrderID != id || ack.Lines[2].ShipFrom == nil || ack.Lines[2].ShipFrom.ID != "TEAPOTS" ||
		ack.Lines[1].IDs["BP"] != "ACME-2" || acks[0].ISA.ReceiverID != "ACMEBUYER" {
		t.Fatalf("855: %+v", ack)
	}
	pos := docs(t, w, id, "850")
	if len(pos) != 1 || pos[0].ISA.ReceiverID != "TEAPOTSUP" {
		t.Fatalf("supplier 850s: %d", len(pos))
	}
	po, errs := edi.ReadPO(pos[0].Groups[0].Sets[0], 0, 0)
	st, _ := po.Party("ST")
	if len(errs) > 0 || po.Type != "DS" || len(po.Lines) != 1 || po.Lines[0].IDs["BP"] != "TEAPOT-CI" || st.Street1 != "1 High St" {
		t.Fatalf("supplier 850: %v %+v", errs, po)
	}
	// The same PO again (another file): nothing new.
	res2, err := w.store.ProcessEDIFile(w.ctx, "po1-again.x12", []byte(x12File("ACMEBUYER", "PACKLINE", 12, "PO", "850", b2bPO("PO-1"))))
	if err != nil || !res2.Accepted || len(res2.Orders) != 0 {
		t.Fatalf("again: %+v %v", res2, err)
	}
	if n := len(docs(t, w, id, "855")); n != 1 {
		t.Fatalf("%d 855s after a repeat", n)
	}
}

func TestB2BShipCompleteLinesWithStockAreNotBackordered(t *testing.T) {
	w := b2bWorld(t)
	if err := w.store.ApplyEDIConfig(w.ctx, EDIConfig{ShipComplete: true}); err != nil {
		t.Fatal(err)
	}
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	body := b2bPO("PO-SC")
	body = append(body[:10], "CTT*2") // SKU-1 (in stock) and SKU-2 (short)
	res, err := w.store.ProcessEDIFile(w.ctx, "sc.x12", []byte(x12File("ACMEBUYER", "PACKLINE", 13, "PO", "850", body)))
	if err != nil || !res.Accepted {
		t.Fatalf("%+v %v", res, err)
	}
	w.svc.AllocateAll(w.ctx)
	ack, _ := edi.ReadPOAck(docs(t, w, res.Orders[0], "855")[0].Groups[0].Sets[0], 0, 0)
	if fmt.Sprint(ack.Lines[0].Statuses) != "[{IA 2 EA }]" || fmt.Sprint(ack.Lines[1].Statuses) != "[{IB 3 EA }]" {
		t.Fatalf("855 of a ship-complete order: %+v", ack.Lines)
	}
}

func TestB2BUnknownItemIsRejectedPerLine(t *testing.T) {
	w := b2bWorld(t)
	body := b2bPO("PO-U")
	body[8] = "PO1*1*2*EA*4.25**BP*NO-SUCH-ITEM"
	res, err := w.store.ProcessEDIFile(w.ctx, "u.x12", []byte(x12File("ACMEBUYER", "PACKLINE", 14, "PO", "850", body)))
	if err != nil || !res.Accepted || len(res.Orders) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	w.svc.AllocateAll(w.ctx)
	v := w.view(t, res.Orders[0])
	if len(v.Lines) != 2 {
		t.Fatalf("lines %+v", v.Lines)
	}
	ack, _ := edi.ReadPOAck(docs(t, w, res.Orders[0], "855")[0].Groups[0].Sets[0], 0, 0)
	if ack.Lines[0].Statuses[0].Code != "IR" || ack.Lines[1].Statuses[0].Code != "IB" || ack.Lines[2].Statuses[0].Code != "IA" {
		t.Fatalf("855: %+v", ack.Lines)
	}
	// Every line unknown: no order, a rejecting 855.
	res, err = w.store.ProcessEDIFile(w.ctx, "u2.x12", []byte(x12File("ACMEBUYER", "PACKLINE", 15, "PO", "850",
		[]string{"BEG*00*SA*PO-U2**20261128", "N1*ST*Ada", "N3*1 High St", "N4*London**N1 9GU*GB", "PO1*1*1*EA***BP*NOPE"})))
	if err != nil || !res.Accepted || len(res.Orders) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	var body855 string
	w.store.db.QueryRow("SELECT body FROM edi_outbound WHERE kind = '855' AND ref = 'po:ACMEBUYER:PO-U2'").Scan(&body855)
	if !strings.Contains(body855, "BAK*00*RD*PO-U2") || !strings.Contains(body855, "ACK*IR*1*EA") {
		t.Fatalf("rejecting 855:\n%s", body855)
	}
}

func TestB2BBadFilesStoreNothingAndAnswer997(t *testing.T) {
	w := b2bWorld(t)
	good := b2bPO("PO-G")
	cases := []struct {
		name string
		data string
		want []string
	}{
		{"wrong segment count", strings.Replace(x12File("ACMEBUYER", "PACKLINE", 21, "PO", "850", good), "SE*14*0001", "SE*13*0001", 1),
			[]string{"AK3*SE*14**8~", "AK4*1*96*7*13~", "AK5*R*4~", "AK9*R*1*1*0~"}},
		{"unknown qualifier", x12File("ACMEBUYER", "PACKLINE", 22, "PO", "850", replace(good, 4, "N1*QQ*Acme Store 12*92*STORE-12")),
			[]string{"AK3*N1*6*N1*8~", "AK4*1*98*7*QQ~", "AK5*R*5~"}},
		{"missing mandatory element", x12File("ACMEBUYER", "PACKLINE", 23, "PO", "850", replace(good, 0, "BEG*00*SA***20261128")),
			[]string{"AK3*BEG*2**8~", "AK4*3*324*1~"}},
		{"missing ship-to city", x12File("ACMEBUYER", "PACKLINE", 24, "PO", "850", replace(good, 6, "N4***N1 9GU*GB")),
			[]string{"AK3*N4*8*N1*8~", "AK4*1*19*1~"}},
		{"truncated ISA", strings.Replace(x12File("ACMEBUYER", "PACKLINE", 25, "PO", "850", good), "*00401*", "*0041*", 1),
			[]string{"AK3*ISA*1**8~", "AK4*12*I11*4~", "AK9*R"}},
		// Two sets, the second bad: the first is not stored either.
		{"one bad set of two", x12File("ACMEBUYER", "PACKLINE", 26, "PO", "850", good, replace(b2bPO("PO-H"), 8, "PO1*1*two*EA*4.25**EN*4006381333931")),
			[]string{"AK2*850*0001~\nAK5*R~", "AK3*PO1*10*PO1*8~", "AK4*2*330*6*two~", "AK9*R*2*2*0~"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := w.store.ProcessEDIFile(w.ctx, fmt.Sprintf("bad%d.x12", i), []byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			if res.Accepted || len(res.Orders) != 0 || len(res.Problems) == 0 {
				t.Fatalf("bad file accepted: %+v", res)
			}
			for _, want := range c.want {
				if !strings.Contains(string(res.Ack), want) {
					t.Errorf("997 lacks %q:\n%s", want, res.Ack)
				}
			}
		})
	}
	var orders, lines int
	w.store.db.QueryRow("SELECT count(*) FROM orders").Scan(&orders)
	w.store.db.QueryRow("SELECT count(*) FROM edi_orders").Scan(&lines)
	if orders != 0 || lines != 0 {
		t.Fatalf("bad files stored %d orders, %d edi orders", orders, lines)
	}
	if res, _ := w.store.ProcessEDIFile(w.ctx, "junk.txt", []byte("hello")); res.Accepted || res.Err == nil {
		t.Fatalf("junk: %+v", res)
	}
}

func replace(xs []string, i int, s string) []string {
	out := append([]string(nil), xs...)
	out[i] = s
	return out
}

func TestB2BFolderProcessesEachFileOnce(t *testing.T) {
	w := b2bWorld(t)
	dir := t.TempDir()
	cfg := EDIConfig{In: filepath.Join(dir, "in"), Out: filepath.Join(dir, "out")}
	f := cfg.Folders()
	for _, d := range []string{f.In, f.Out, f.Rejected, f.Processed} {
		os.MkdirAll(d, 0o750)
	}
	good := x12File("ACMEBUYER", "PACKLINE", 31, "PO", "850", b2bPO("PO-F"))
	bad := strings.Replace(x12File("ACMEBUYER", "PACKLINE", 32, "PO", "850", b2bPO("PO-B")), "SE*14", "SE*99", 1)
	os.WriteFile(filepath.Join(f.In, "a.x12"), []byte(good), 0o640)
	os.WriteFile(filepath.Join(f.In, "b.x12"), []byte(bad), 0o640)
	os.WriteFile(filepath.Join(f.In, "c.x12.part"), []byte("ISA*half"), 0o640)
	if err := w.svc.EDIOnce(w.ctx, f); err != nil {
		t.Fatal(err)
	}
	w.svc.AllocateAll(w.ctx)
	if err := w.svc.WriteEDIOut(w.ctx, f.Out); err != nil {
		t.Fatal(err)
	}
	names := func(d string) string {
		es, _ := os.ReadDir(d)
		var out []string
		for _, e := range es {
			if !e.IsDir() {
				out = append(out, e.Name())
			}
		}
		return strings.Join(out, " ")
	}
	if got := names(f.In); got != "c.x12.part" {
		t.Fatalf("in folder: %s", got)
	}
	if got := names(f.Processed); got != "a.x12" {
		t.Fatalf("processed: %s", got)
	}
	if got := names(f.Rejected); got != "b.x12 b.x12.997" {
		t.Fatalf("rejected: %s", got)
	}
	ack, _ := os.ReadFile(filepath.Join(f.Rejected, "b.x12.997"))
	if !strings.Contains(string(ack), "AK5*R*4") {
		t.Fatalf("rejected file's 997:\n%s", ack)
	}
	out := names(f.Out)
	for _, kind := range []string{"997-ACMEBUYER-", "855-ACMEBUYER-", "850-TEAPOTSUP-"} {
		if strings.Count(out, kind) < 1 {
			t.Fatalf("out folder lacks %s: %s", kind, out)
		}
	}
	if strings.Count(out, "997-") != 2 {
		t.Fatalf("want a 997 for each file: %s", out)
	}
	// The same files offered again (a partner resends, or omsd restarts
	// before moving them): nothing is applied or sent twice.
	os.WriteFile(filepath.Join(f.In, "a.x12"), []byte(good), 0o640)
	os.WriteFile(filepath.Join(f.In, "b.x12"), []byte(bad), 0o640)
	svc2 := NewService(w.store, DefaultPolicy(), nil, nil)
	if err := svc2.EDIOnce(w.ctx, f); err != nil {
		t.Fatal(err)
	}
	var orders, files int
	w.store.db.QueryRow("SELECT count(*) FROM orders").Scan(&orders)
	w.store.db.QueryRow("SELECT count(*) FROM edi_files").Scan(&files)
	if orders != 1 || files != 2 || names(f.Out) != out {
		t.Fatalf("after a resend: %d orders, %d files recorded, out %s", orders, files, names(f.Out))
	}
}

func TestPartialShortPickFreesTheMissingUnits(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	o := w.capture(t, order("W-S", testGB, false, LineInput{SKU: "SKU-1", Qty: 3, UnitPrice: 100}))
	w.svc.AllocateAll(w.ctx)
	v := w.view(t, o.ID)
	st := v.Assignments[0].Station
	ev := func(seq uint64, p oms.Payload) oms.Event {
		e := oms.NewEvent(p)
		e.Site, e.Station, e.Seq, e.OrderID, e.OrderVersion, e.At = "LON", st, seq, o.ID, v.Version, time.Now()
		return e
	}
	// Two of three found; the third is not in the bin.
	evs := []oms.Event{ev(1, &oms.PickShorted{LineNo: 1, SKU: "SKU-1", Location: "A-01-01-1", Wanted: 3, Picked: 2, Reason: "empty bin"}),
		ev(2, &oms.ShipmentCreated{Shipment: oms.Shipment{ID: "SH-S", Carrier: "dhl", TrackingNumber: "T-S",
			Cartons: []oms.Carton{{Items: []oms.PackedItem{{SKU: "SKU-1", Qty: 2}}}}}})}
	if _, stats, err := w.store.ApplyStationEvents(w.ctx, evs); err != nil || stats.Applied != 2 {
		t.Fatalf("%+v %v", stats, err)
	}
	v = w.view(t, o.ID)
	if v.Status != oms.StatePartiallyShipped || v.Lines[0].Shipped != 2 || v.Lines[0].Allocated != 0 || v.Lines[0].Backordered != 1 {
		t.Fatalf("after the short shipment: %s %+v", v.Status, v.Lines)
	}
	if on, al := w.stockOf(t, "LON", "A-01-01-1", "SKU-1"); on != 2 || al != 0 {
		t.Fatalf("bin: %d on hand, %d allocated; want 2, 0 (5 - 2 shipped - 1 missing)", on, al)
	}
	w.checkLedger(t)
	// The allocator looks at it again without a stock change: the two
	// left in the bin go to the missing unit.
	w.svc.AllocateAll(w.ctx)
	v = w.view(t, o.ID)
	if v.Status != oms.StatePartiallyShipped || v.Lines[0].Allocated != 1 {
		t.Fatalf("not reallocated: %s %+v", v.Status, v.Lines)
	}
	w.checkLedger(t)
}

func TestPartialShipmentLeftoversOfAPickListAreFreed(t *testing.T) {
	w := newWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	w.receive(t, "LON", "A-01-02-1", "SKU-2", 5)
	o := w.capture(t, order("W-L", testGB, false, LineInput{SKU: "SKU-1", Qty: 2, UnitPrice: 100}, LineInput{SKU: "SKU-2", Qty: 2, UnitPrice: 100}))
	w.svc.AllocateAll(w.ctx)
	v := w.view(t, o.ID)
	e := oms.NewEvent(&oms.ShipmentCreated{Shipment: oms.Shipment{ID: "SH-L", Carrier: "dhl", TrackingNumber: "T-L",
		Cartons: []oms.Carton{{Items: []oms.PackedItem{{SKU: "SKU-1", Qty: 2}}}}}})
	e.Site, e.Station, e.Seq, e.OrderID, e.OrderVersion, e.At = "LON", v.Assignments[0].Station, 1, o.ID, v.Version, time.Now()
	if _, _, err := w.store.ApplyStationEvents(w.ctx, []oms.Event{e}); err != nil {
		t.Fatal(err)
	}
	if _, al := w.stockOf(t, "LON", "A-01-02-1", "SKU-2"); al != 0 {
		t.Fatalf("SKU-2 still reserved (%d) after the pick list shipped without it", al)
	}
	w.checkLedger(t)
	w.svc.AllocateAll(w.ctx)
	v2 := w.view(t, o.ID)
	if v2.Status != oms.StatePartiallyShipped || v2.Lines[1].Allocated != 2 || v2.Lines[0].Shipped != 2 || v2.Version <= v.Version {
		t.Fatalf("the rest is not released again: %s v%d %+v", v2.Status, v2.Version, v2.Lines)
	}
	var tasks int
	w.store.db.QueryRow("SELECT count(*) FROM task_outbox WHERE order_id = ? AND payload LIKE '%task.order_released%'", o.ID).Scan(&tasks)
	if tasks != 2 {
		t.Fatalf("%d release tasks, want 2 (the first part and the rest)", tasks)
	}
}

func TestDropShipOnlyOrderShipsBySupplierAPI(t *testing.T) {
	w := b2bWorld(t)
	o := w.capture(t, order("W-D", testGB, false, LineInput{SKU: "TEAPOT-CI", Qty: 1, UnitPrice: 3000}))
	w.svc.AllocateAll(w.ctx)
	v := w.view(t, o.ID)
	if v.Status != oms.StateAllocated || v.Lines[0].DropShip == nil || v.Lines[0].DropShip.State != "ordered" || len(v.Assignments) != 0 {
		t.Fatalf("drop-ship order: %s %+v", v.Status, v.Lines)
	}
	sh := oms.Shipment{ID: "DS-API-1", Site: "TEAPOTS", Carrier: "ups", TrackingNumber: "1ZDS", Cartons: []oms.Carton{{Items: []oms.PackedItem{{SKU: "TEAPOT-CI", Qty: 1}}}}}
	if err := w.store.RecordDropShipment(w.ctx, o.ID, sh, map[int]int{1: 2}, "api"); !errors.Is(err, ErrConflict) {
		t.Fatalf("over-ship: %v", err)
	}
	if err := w.store.RecordDropShipment(w.ctx, o.ID, sh, map[int]int{1: 1}, "api"); err != nil {
		t.Fatal(err)
	}
	v = w.view(t, o.ID)
	if v.Status != oms.StateShipped || len(v.Shipments) != 1 || v.Lines[0].DropShip.State != "shipped" {
		t.Fatalf("after the supplier shipped: %s %+v", v.Status, v.Lines)
	}
	if tr, err := w.store.Track(w.ctx, "1ZDS"); err != nil || tr.Status != "shipped" {
		t.Fatalf("tracking: %+v %v", tr, err)
	}
	w.checkLedger(t)
}

// TestB2BEndToEndPartialShipmentsAndDropShip: an 850 with three lines,
// one short and one drop-shipped -> the 855 says so -> a station packs
// the line in stock (its events through a real NATS server) -> an 856
// with the carton's SSCC -> stock arrives -> the backordered line is
// released again and ships -> a second 856 -> the supplier's 856 closes
// the drop-ship line -> the order is shipped.
func TestB2BEndToEndPartialShipmentsAndDropShip(t *testing.T) {
	w := b2bWorld(t)
	w.receive(t, "LON", "A-01-01-1", "SKU-1", 5)
	ns := runJetStreamServer(t)
	_, js := connectJetStream(t, ns)
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	if err := sync.EnsureStreams(sctx, js, sync.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	scancel()
	sink := SyncSink{Store: w.store}
	done := make(chan struct{}, 3)
	for _, run := range []func(context.Context) error{sync.NewApplier(js, sink, nil).Run, sync.NewTaskPublisher(js, sink, nil).Run, w.svc.Run} {
		go func() { run(ctx); done <- struct{}{} }()
	}
	defer func() {
		cancel()
		for range 3 {
			<-done
		}
	}()

	dir := t.TempDir()
	f := (&EDIConfig{In: filepath.Join(dir, "in"), Out: filepath.Join(dir, "out")}).Folders()
	for _, d := range []string{f.In, f.Out, f.Rejected, f.Processed} {
		os.MkdirAll(d, 0o750)
	}
	os.WriteFile(filepath.Join(f.In, "po-e2e.x12"), []byte(x12File("ACMEBUYER", "PACKLINE", 41, "PO", "850", b2bPO("PO-E2E"))), 0o640)
	if err := w.svc.EDIOnce(ctx, f); err != nil {
		t.Fatal(err)
	}
	var id string
	w.store.db.QueryRow("SELECT order_id FROM edi_orders WHERE po_number = 'PO-E2E'").Scan(&id)
	if id == "" {
		t.Fatal("the 850 made no order")
	}
	var v OrderView
	checkFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		v = w.view(t, id)
		if v.Status != oms.StateReleased {
			return fmt.Errorf("order is %s", v.Status)
		}
		return nil
	})
	// The 855: line 1 accepted, line 2 backordered, line 3 accepted from the supplier.
	ack, _ := edi.ReadPOAck(docs(t, w, id, "855")[0].Groups[0].Sets[0], 0, 0)
	if fmt.Sprint(ack.Lines[0].Statuses, ack.Lines[1].Statuses, ack.Lines[2].Statuses) != "[{IA 2 EA }] [{IB 3 EA }] [{IA 1 EA }]" ||
		ack.Lines[2].ShipFrom == nil || ack.Lines[2].ShipFrom.ID != "TEAPOTS" {
		t.Fatalf("855: %+v", ack.Lines)
	}
	// The station that got it packs and ships line 1, through NATS.
	station := v.Assignments[0].Station
	sdb, err := localdb.OpenStation(filepath.Join(t.TempDir(), "station.db"), "LON", station)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	nc, err := sync.Connect(sync.ConnectOptions{URL: ns.ClientURL(), Name: "station-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	st, err := sync.NewStation(nc, sdb, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() { st.Run(ctx); done <- struct{}{} }()
	defer func() { cancel(); <-done }()
	ship := func(version int64, shipID, sscc, sku string, qty int) {
		t.Helper()
		var local oms.Order
		checkFor(t, 20*time.Second, 20*time.Millisecond, func() error {
			local, err = sdb.Order(ctx, id)
			if err == nil && local.Version < version {
				err = fmt.Errorf("station has version %d, want %d", local.Version, version)
			}
			return err
		})
		if local.State != oms.StateReleased {
			t.Fatalf("the station sees order %s as %s, want released", id, local.State)
		}
		carton := oms.Carton{SSCC: sscc, Type: "BOX-S", WeightGrams: 900, Items: []oms.PackedItem{{SKU: sku, Qty: qty}}}
		for _, p := range []oms.Payload{&oms.PackStarted{}, &oms.ItemPacked{SKU: sku, Qty: qty, Carton: 1},
			&oms.PackCompleted{Cartons: []oms.Carton{carton}},
			&oms.ShipmentCreated{Shipment: oms.Shipment{ID: shipID, OrderID: id, Carrier: "DHL", Service: "standard", TrackingNumber: "T-" + shipID, Cartons: []oms.Carton{carton}}}} {
			if _, err := sdb.Record(ctx, func(tx *localdb.Tx) error {
				_, err := tx.Emit(oms.Event{Operator: "op-1", OrderID: id, OrderVersion: local.Version, Payload: p})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	const sscc1, sscc2 = "050123450000000019", "050123450000000026"
	ship(v.Version, "SH-E2E-1", sscc1, "SKU-1", 2)
	checkFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		v = w.view(t, id)
		if v.Status != oms.StatePartiallyShipped || v.Lines[0].Shipped != 2 {
			return fmt.Errorf("order is %s, lines %+v", v.Status, v.Lines)
		}
		return nil
	})
	asns := docs(t, w, id, "856")
	if len(asns) != 1 {
		t.Fatalf("%d 856s after the first shipment", len(asns))
	}
	n1, errs := edi.ReadShipNotice(asns[0].Groups[0].Sets[0], 0, 0)
	if len(errs) > 0 || n1.Orders[0].PONumber != "PO-E2E" || n1.Orders[0].Packs[0].SSCC != sscc1 || n1.Tracking != "T-SH-E2E-1" ||
		n1.Orders[0].Packs[0].Items[0].IDs["EN"] != "4006381333931" || n1.Orders[0].Packs[0].Items[0].Qty != 2 {
		t.Fatalf("first 856: %v %+v", errs, n1)
	}

	// Stock arrives: the backordered line is allocated and released again
	// to a station as new work; the order stays partially_shipped.
	before := v.Version
	w.receive(t, "LON", "A-01-02-1", "SKU-2", 3)
	checkFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		v = w.view(t, id)
		if v.Lines[1].Allocated != 3 || v.Version <= before {
			return fmt.Errorf("order is %s v%d, lines %+v", v.Status, v.Version, v.Lines)
		}
		return nil
	})
	if v.Status != oms.StatePartiallyShipped {
		t.Fatalf("order is %s while the rest is on the floor, want partially_shipped", v.Status)
	}
	if v.Lines[0].Backordered != 0 || v.Lines[2].Backordered != 0 {
		t.Fatalf("lines that were never short show a backorder: %+v", v.Lines)
	}
	ship(v.Version, "SH-E2E-2", sscc2, "SKU-2", 3)
	checkFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		v = w.view(t, id)
		if v.Status != oms.StatePartiallyShipped || v.Lines[1].Shipped != 3 {
			return fmt.Errorf("order is %s, lines %+v", v.Status, v.Lines)
		}
		return nil
	})
	asns = docs(t, w, id, "856")
	if len(asns) != 2 {
		t.Fatalf("%d 856s after the second shipment", len(asns))
	}
	n2, _ := edi.ReadShipNotice(asns[1].Groups[0].Sets[0], 0, 0)
	if n2.Orders[0].Packs[0].SSCC != sscc2 || n2.Orders[0].Packs[0].Items[0].IDs["BP"] != "ACME-2" || n2.ShipmentID == n1.ShipmentID {
		t.Fatalf("second 856: %+v", n2)
	}

	// The supplier's 856 closes the drop-ship line.
	dsPO := v.Lines[2].DropShip.PONumber
	supplierASN := x12File("TEAPOTSUP", "PACKLINE", 51, "SH", "856", []string{
		"BSN*00*TS-77*20261129*1200*0001", "HL*1**S", "TD5*B*2*UPSN**Ground", "REF*2I*1Z999AA10123456784", "DTM*011*20261129",
		"HL*2*1*O", "PRF*" + dsPO, "HL*3*2*P", "MAN*GM*00012345600000000017", "HL*4*3*I", "LIN*3*BP*TEAPOT-CI", "SN1**1*EA", "CTT*4"})
	os.WriteFile(filepath.Join(f.In, "asn-teapots.x12"), []byte(supplierASN), 0o640)
	if err := w.svc.EDIOnce(ctx, f); err != nil {
		t.Fatal(err)
	}
	v = w.view(t, id)
	if v.Status != oms.StateShipped || len(v.Shipments) != 3 || v.Lines[2].Shipped != 1 || v.Lines[2].DropShip.State != "shipped" {
		t.Fatalf("after the supplier's 856: %s %d shipments %+v", v.Status, len(v.Shipments), v.Lines)
	}
	tr, err := w.store.Track(ctx, "1Z999AA10123456784")
	if err != nil || tr.Status != "shipped" || tr.Carrier != "UPSN" {
		t.Fatalf("the customer's tracking of the drop-ship parcel: %+v %v", tr, err)
	}
	if n := len(docs(t, w, id, "856")); n != 3 {
		t.Fatalf("%d 856s to the customer, want 3 (two from the floor, one for the drop-ship)", n)
	}
	if _, err := os.Stat(filepath.Join(f.Processed, "asn-teapots.x12")); err != nil {
		t.Fatalf("supplier's 856 not processed: %v", err)
	}
	w.checkLedger(t)
	if excs, _ := w.store.Exceptions(ctx, 10); len(excs) != 0 {
		t.Fatalf("floor exceptions: %+v", excs)
	}
	// From the first parcel on, the order was partially_shipped until the
	// last line shipped.
	seen := false
	for _, h := range v.History {
		seen = seen || h.Status == oms.StatePartiallyShipped
		if seen && h.Status != oms.StatePartiallyShipped && h.Status != oms.StateShipped {
			t.Fatalf("after the first parcel the order went to %s (%s): %+v", h.Status, h.Reason, v.History)
		}
	}
}

func TestB2BConfigValidateNamesTheField(t *testing.T) {
	addr := oms.Address{Name: "T", Street1: "1 St", City: "C", Country: "GB"}
	for _, c := range []struct {
		cfg  EDIConfig
		want string
	}{
		{EDIConfig{In: "in"}, "edi.in and edi.out go together"},
		{EDIConfig{ISAQualifier: "Z"}, "edi.isa_qualifier"},
		{EDIConfig{ISAID: "WAY*TOO*LONG*FOR*ISA"}, "edi.isa_id"},
		{EDIConfig{Currency: "XYZ1"}, "edi.currency"},
		{EDIConfig{Suppliers: []SupplierConfig{{ID: "bad id", Name: "x", ISAQualifier: "ZZ", ISAID: "X", Address: addr}}}, "edi.suppliers[1].id"},
		{EDIConfig{Suppliers: []SupplierConfig{{ID: "S", Name: "x", ISAQualifier: "ZZ", ISAID: "X"}}}, "edi.suppliers[1].address.name"},
		{EDIConfig{Suppliers: []SupplierConfig{{ID: "S", Name: "x", ISAQualifier: "ZZ", ISAID: "X", Address: addr, SKUs: []string{"A"}},
			{ID: "T", Name: "y", ISAQualifier: "ZZ", ISAID: "Y", Address: addr, SKUs: []string{"A"}}}}, "edi.suppliers[2].skus[1]"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "omsd.toml")
	os.WriteFile(path, []byte("[edi]\nin = \"a\"\nout = \"b\"\nisa_idd = \"X\"\n"), 0o640)
	if _, err := LoadConfig(path); err == nil || !strings.Contains(err.Error(), "edi.isa_idd") {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestDropShipNoticeForACancelledOrderIsRefused(t *testing.T) {
	w := b2bWorld(t)
	o := w.capture(t, order("W-C", testGB, false, LineInput{SKU: "TEAPOT-CI", Qty: 1, UnitPrice: 3000}))
	w.svc.AllocateAll(w.ctx)
	po := w.view(t, o.ID).Lines[0].DropShip.PONumber
	if _, err := w.store.Cancel(w.ctx, o.ID, "cs", "customer changed their mind"); err != nil {
		t.Fatal(err)
	}
	asn := x12File("TEAPOTSUP", "PACKLINE", 61, "SH", "856", []string{"BSN*00*TS-9*20261129*1200*0001", "HL*1**S", "TD5*B*2*UPSN",
		"HL*2*1*O", "PRF*" + po, "HL*3*2*I", "LIN*1*BP*TEAPOT-CI", "SN1**1*EA"})
	res, err := w.store.ProcessEDIFile(w.ctx, "asn-c.x12", []byte(asn))
	// The 997 names PRF01, the purchase order Packline cancelled.
	if err != nil || res.Accepted || !strings.Contains(string(res.Ack), "AK3*PRF*6*HL*8~\nAK4*1*324*7*"+po+"~") ||
		!strings.Contains(res.Problems.Error(), "was cancelled with order "+o.ID) {
		t.Fatalf("%+v %v\n%s", res, err, res.Ack)
	}
	if v := w.view(t, o.ID); v.Status != oms.StateCancelled || len(v.Shipments) != 0 {
		t.Fatalf("cancelled order took the shipment: %s %+v", v.Status, v.Shipments)
	}
}

func TestB2BPartnersAcknowledgmentIsNotAcknowledged(t *testing.T) {
	w := b2bWorld(t)
	fa := x12File("ACMEBUYER", "PACKLINE", 71, "FA", "997", []string{"AK1*PR*5", "AK2*855*0001", "AK5*A", "AK9*A*1*1*1"})
	res, err := w.store.ProcessEDIFile(w.ctx, "fa.x12", []byte(fa))
	if err != nil || !res.Accepted || len(res.Ack) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	// A set Packline does not read is refused by name.
	inv := x12File("ACMEBUYER", "PACKLINE", 72, "IN", "810", []string{"BIG*20261129*INV-1"})
	res, err = w.store.ProcessEDIFile(w.ctx, "inv.x12", []byte(inv))
	if err != nil || res.Accepted || !strings.Contains(string(res.Ack), "AK4*1*143*7*810~") || !strings.Contains(string(res.Ack), "AK5*R*1~") {
		t.Fatalf("%+v %v\n%s", res, err, res.Ack)
	}
}

func TestB2BSamePONumberFromAnotherBuyerIsRefused(t *testing.T) {
	w := b2bWorld(t)
	if res, err := w.store.ProcessEDIFile(w.ctx, "a.x12", []byte(x12File("ACMEBUYER", "PACKLINE", 81, "PO", "850", b2bPO("PO-9")))); err != nil || len(res.Orders) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	res, err := w.store.ProcessEDIFile(w.ctx, "b.x12", []byte(x12File("OTHERBUYER", "PACKLINE", 82, "PO", "850", b2bPO("PO-9"))))
	if err != nil || res.Accepted || !strings.Contains(string(res.Ack), "AK4*3*324*7*PO-9~") {
		t.Fatalf("%+v %v\n%s", res, err, res.Ack)
	}
	// Nor can the other buyer cancel it.
	cancel := b2bPO("PO-9")
	cancel[0] = "BEG*01*SA*PO-9**20261128"
	res, err = w.store.ProcessEDIFile(w.ctx, "c.x12", []byte(x12File("OTHERBUYER", "PACKLINE", 83, "PO", "850", cancel)))
	if err != nil || res.Accepted || !strings.Contains(string(res.Ack), "AK4*3*324*7*PO-9~") {
		t.Fatalf("cancellation by another buyer: %+v %v\n%s", res, err, res.Ack)
	}
	list, _ := w.store.ListOrders(w.ctx, OrderFilter{})
	if len(list) != 1 || list[0].Status == oms.StateCancelled {
		t.Fatalf("ACMEBUYER's order after OTHERBUYER's cancellation: %+v", list)
	}
}

// sentPO is an 850 queued to a supplier, read back.
type sentPO struct {
	edi.PurchaseOrder
	To, Ref, File string
}

// supplierPOs returns an order's 850s to suppliers, read back from the
// outbound queue: the purchase orders (BEG01 00) and their cancellations
// (BEG01 01).
func supplierPOs(t testing.TB, w *world, orderID string) (orders, cancels []sentPO) {
	t.Helper()
	ds, err := w.store.EDIDocs(w.ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Kind != "850" {
			continue
		}
		ic, err := edi.Parse(d.Body)
		if err != nil || len(ic.Problems) > 0 || len(ic.Groups) != 1 || len(ic.Groups[0].Sets) != 1 {
			t.Fatalf("850 %s does not read: %v %v\n%s", d.FileName, err, ic.Problems, d.Body)
		}
		po, errs := edi.ReadPO(ic.Groups[0].Sets[0], 0, 0)
		if len(errs) > 0 {
			t.Fatalf("850 %s: %v\n%s", d.FileName, errs, d.Body)
		}
		s := sentPO{PurchaseOrder: po, To: ic.ISA.ReceiverID, Ref: d.Ref, File: d.FileName}
		switch po.Purpose {
		case "00":
			orders = append(orders, s)
		case "01":
			cancels = append(cancels, s)
		default:
			t.Fatalf("850 %s has BEG01 %q", d.FileName, po.Purpose)
		}
	}
	return orders, cancels
}

// poLines says what a purchase order's lines ask for: line, quantity and
// our SKU, e.g. "1:1:TEAPOT-CI 2:3:SKU-2".
func poLines(po edi.PurchaseOrder) string {
	var out []string
	for _, l := range po.Lines {
		out = append(out, fmt.Sprintf("%s:%d:%s", l.ID, l.Qty, l.IDs["BP"]))
	}
	return strings.Join(out, " ")
}

// TestDropShipCancelTellsTheSupplier: an order with two lines on one
// drop-ship purchase order, one of them partly shipped by the supplier,
// is cancelled: the supplier gets one cancellation 850 for the same PO
// with what it has not shipped, and only once.
func TestDropShipCancelTellsTheSupplier(t *testing.T) {
	w := b2bWorld(t)
	o := w.capture(t, order("W-DC", testGB, false, LineInput{SKU: "TEAPOT-CI", Qty: 2, UnitPrice: 3000},
		LineInput{SKU: "SKU-2", Qty: 3, UnitPrice: 100}, LineInput{SKU: "SKU-1", Qty: 1, UnitPrice: 100}))
	if err := w.store.MarkDropShip(w.ctx, o.ID, 2, "TEAPOTS"); err != nil {
		t.Fatal(err)
	}
	w.svc.AllocateAll(w.ctx)
	orders, cancels := supplierPOs(t, w, o.ID)
	if len(orders) != 1 || len(cancels) != 0 || poLines(orders[0].PurchaseOrder) != "1:2:TEAPOT-CI 2:3:SKU-2" {
		t.Fatalf("before the cancellation: %d purchase orders %+v, %d cancellations", len(orders), orders, len(cancels))
	}
	sent := orders[0]
	// The supplier ships one of the two teapots.
	sh := oms.Shipment{ID: "DS-DC-1", Site: "TEAPOTS", Carrier: "ups", TrackingNumber: "1ZDC", Cartons: []oms.Carton{{Items: []oms.PackedItem{{SKU: "TEAPOT-CI", Qty: 1}}}}}
	if err := w.store.RecordDropShipment(w.ctx, o.ID, sh, map[int]int{1: 1}, "api"); err != nil {
		t.Fatal(err)
	}

	if _, err := w.store.Cancel(w.ctx, o.ID, "cs", "customer changed their mind"); err != nil {
		t.Fatal(err)
	}
	orders, cancels = supplierPOs(t, w, o.ID)
	if len(cancels) != 1 {
		t.Fatalf("%d cancellation 850s queued to the supplier, want 1 (Store.Cancel must call cancelDropShips)", len(cancels))
	}
	c := cancels[0]
	if len(orders) != 1 || c.To != "TEAPOTSUP" || c.Number != sent.Number || c.Type != "DS" || !c.Date.Equal(sent.Date) || c.Ref != "cancel:"+sent.Number ||
		!strings.HasPrefix(c.File, "850-TEAPOTSUP-") {
		t.Fatalf("cancellation 850 %s to %s: %s %s %v, want %s to TEAPOTSUP", c.File, c.To, c.Purpose, c.Number, c.Date, sent.Number)
	}
	if got := poLines(c.PurchaseOrder); got != "1:1:TEAPOT-CI 2:3:SKU-2" {
		t.Fatalf("cancellation lines %s, want what the supplier has not shipped: 1:1:TEAPOT-CI 2:3:SKU-2", got)
	}
	sentTo, _ := sent.Party("ST")
	if st, _ := c.Party("ST"); st != sentTo || c.Lines[1].IDs["UK"] != sent.Lines[1].IDs["UK"] {
		t.Fatalf("cancellation ship-to %+v, IDs %v; the purchase order had %+v, %v", st, c.Lines[1].IDs, sentTo, sent.Lines[1].IDs)
	}
	v := w.view(t, o.ID)
	if v.Status != oms.StateCancelled || v.Lines[0].DropShip.State != "cancelled" || v.Lines[1].DropShip.State != "cancelled" {
		t.Fatalf("after the cancellation: %s %+v %+v", v.Status, v.Lines[0].DropShip, v.Lines[1].DropShip)
	}
	// Cancelling again changes nothing and sends nothing.
	if _, err := w.store.Cancel(w.ctx, o.ID, "cs", "again"); !errors.Is(err, ErrConflict) {
		t.Fatalf("second cancel: %v", err)
	}
	if err := w.store.inTx(w.ctx, func(tx *sql.Tx) error { return cancelDropShips(w.ctx, tx, o.ID, time.Now(), "test") }); err != nil {
		t.Fatal(err)
	}
	if _, cancels = supplierPOs(t, w, o.ID); len(cancels) != 1 {
		t.Fatalf("%d cancellation 850s after cancelling twice", len(cancels))
	}
	w.checkLedger(t)
}

// TestDropShipCancelAfterTheSupplierShippedSendsNothing: what the
// supplier has shipped is not cancelled, and a drop-ship line never
// ordered is never ordered once its order is cancelled.
func TestDropShipCancelAfterTheSupplierShippedSendsNothing(t *testing.T) {
	w := b2bWorld(t)
	o := w.capture(t, order("W-DS", testGB, false, LineInput{SKU: "SKU-1", Qty: 1, UnitPrice: 100}, LineInput{SKU: "TEAPOT-CI", Qty: 1, UnitPrice: 3000}))
	w.svc.AllocateAll(w.ctx)
	sh := oms.Shipment{ID: "DS-DS-1", Site: "TEAPOTS", Carrier: "ups", TrackingNumber: "1ZDS2", Cartons: []oms.Carton{{Items: []oms.PackedItem{{SKU: "TEAPOT-CI", Qty: 1}}}}}
	if err := w.store.RecordDropShipment(w.ctx, o.ID, sh, map[int]int{2: 1}, "api"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Cancel(w.ctx, o.ID, "cs", "the rest is too late"); err != nil {
		t.Fatal(err)
	}
	orders, cancels := supplierPOs(t, w, o.ID)
	if len(orders) != 1 || len(cancels) != 0 {
		t.Fatalf("%d purchase orders, %d cancellations %+v; the supplier shipped everything it had", len(orders), len(cancels), cancels)
	}
	if v := w.view(t, o.ID); v.Status != oms.StateCancelled || v.Lines[1].DropShip.State != "shipped" || v.Lines[1].Shipped != 1 {
		t.Fatalf("after the cancellation: %s %+v", v.Status, v.Lines[1])
	}

	// Routed to the supplier, cancelled before the allocator ordered it.
	never := w.capture(t, order("W-DN", testGB, false, LineInput{SKU: "SKU-2", Qty: 1, UnitPrice: 100}))
	if err := w.store.MarkDropShip(w.ctx, never.ID, 1, "TEAPOTS"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Cancel(w.ctx, never.ID, "cs", "typo"); err != nil {
		t.Fatal(err)
	}
	w.svc.AllocateAll(w.ctx)
	if orders, cancels := supplierPOs(t, w, never.ID); len(orders) != 0 || len(cancels) != 0 {
		t.Fatalf("order cancelled before its purchase order: %d purchase orders, %d cancellations", len(orders), len(cancels))
	}
	if v := w.view(t, never.ID); v.Lines[0].DropShip == nil || v.Lines[0].DropShip.State != "cancelled" {
		t.Fatalf("drop-ship line of a cancelled order: %+v", v.Lines[0].DropShip)
	}
}

// TestDropShipCancelThatCannotTellTheSupplierCancelsNothing: the order
// is not cancelled while its supplier cannot be told.
func TestDropShipCancelThatCannotTellTheSupplierCancelsNothing(t *testing.T) {
	w := b2bWorld(t)
	o := w.capture(t, order("W-DX", testGB, false, LineInput{SKU: "TEAPOT-CI", Qty: 1, UnitPrice: 3000}))
	w.svc.AllocateAll(w.ctx)
	po := w.view(t, o.ID).Lines[0].DropShip.PONumber
	if _, err := w.store.db.Exec("DELETE FROM edi_outbound WHERE kind = '850' AND ref = ?", po); err != nil {
		t.Fatal(err)
	}
	_, err := w.store.Cancel(w.ctx, o.ID, "cs", "customer changed their mind")
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), po) || !strings.Contains(err.Error(), "TEAPOTS") {
		t.Fatalf("cancel without the purchase order on record: %v, want a conflict naming %s and TEAPOTS", err, po)
	}
	if v := w.view(t, o.ID); v.Status != oms.StateAllocated || v.Lines[0].DropShip.State != "ordered" {
		t.Fatalf("half cancelled: %s %+v", v.Status, v.Lines[0].DropShip)
	}
	// The buyer's cancellation 850 is refused with a 997 the same way.
	res, err := w.store.ProcessEDIFile(w.ctx, "po.x12", []byte(x12File("ACMEBUYER", "PACKLINE", 95, "PO", "850", b2bPO("PO-Y"))))
	if err != nil || len(res.Orders) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	id := res.Orders[0]
	w.svc.AllocateAll(w.ctx)
	po = w.view(t, id).Lines[2].DropShip.PONumber
	if _, err := w.store.db.Exec("DELETE FROM edi_outbound WHERE kind = '850' AND ref = ?", po); err != nil {
		t.Fatal(err)
	}
	cancel := b2bPO("PO-Y")
	cancel[0] = "BEG*01*SA*PO-Y**20261128"
	res, err = w.store.ProcessEDIFile(w.ctx, "cancel.x12", []byte(x12File("ACMEBUYER", "PACKLINE", 96, "PO", "850", cancel)))
	if err != nil || res.Accepted || !strings.Contains(string(res.Ack), "AK3*BEG*2**8~\nAK4*1*353*7*01~") || !strings.Contains(res.Problems.Error(), po) {
		t.Fatalf("buyer's cancellation without the purchase order on record: %+v %v\n%s", res, err, res.Ack)
	}
	if v := w.view(t, id); v.Status == oms.StateCancelled || v.Lines[2].DropShip.State != "ordered" {
		t.Fatalf("half cancelled: %s %+v", v.Status, v.Lines[2].DropShip)
	}
	// An 850 sent with data today's writer refuses (a component separator
	// in a SKU, let through by an older writer) cannot be cancelled either:
	// a conflict, not an error that stops the caller.
	o3 := w.capture(t, order("W-DZ", testGB, false, LineInput{SKU: "TEAPOT-CI", Qty: 1, UnitPrice: 3000}))
	w.svc.AllocateAll(w.ctx)
	po = w.view(t, o3.ID).Lines[0].DropShip.PONumber
	if _, err := w.store.db.Exec("UPDATE edi_outbound SET body = CAST(replace(CAST(body AS TEXT), 'TEAPOT-CI', 'TEA>POT') AS BLOB) WHERE kind = '850' AND ref = ?", po); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Cancel(w.ctx, o3.ID, "cs", "changed mind"); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), po) {
		t.Fatalf("cancel of an 850 that cannot be written again: %v, want a conflict naming %s", err, po)
	}
}

// TestB2BBuyerCancellationTellsTheSupplier: the buyer's cancellation 850
// cancels the drop-ship purchase order in the same file's transaction.
func TestB2BBuyerCancellationTellsTheSupplier(t *testing.T) {
	w := b2bWorld(t)
	res, err := w.store.ProcessEDIFile(w.ctx, "po.x12", []byte(x12File("ACMEBUYER", "PACKLINE", 91, "PO", "850", b2bPO("PO-X"))))
	if err != nil || len(res.Orders) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	id := res.Orders[0]
	w.svc.AllocateAll(w.ctx)
	cancel := b2bPO("PO-X")
	cancel[0] = "BEG*01*SA*PO-X**20261128"
	for i, name := range []string{"cancel.x12", "cancel-again.x12"} {
		res, err := w.store.ProcessEDIFile(w.ctx, name, []byte(x12File("ACMEBUYER", "PACKLINE", 92+i, "PO", "850", cancel)))
		if err != nil || !res.Accepted {
			t.Fatalf("%s: %+v %v\n%s", name, res, err, res.Ack)
		}
	}
	orders, cancels := supplierPOs(t, w, id)
	if len(orders) != 1 || len(cancels) != 1 {
		t.Fatalf("%d purchase orders, %d cancellations; want 1 and 1", len(orders), len(cancels))
	}
	if c := cancels[0]; c.To != "TEAPOTSUP" || c.Number != orders[0].Number || poLines(c.PurchaseOrder) != "3:1:TEAPOT-CI" {
		t.Fatalf("cancellation 850 to %s: %s %s", c.To, c.Number, poLines(c.PurchaseOrder))
	}
	if v := w.view(t, id); v.Status != oms.StateCancelled || v.Lines[2].DropShip.State != "cancelled" {
		t.Fatalf("after the buyer's cancellation: %s %+v", v.Status, v.Lines[2].DropShip)
	}
}

// TestDropShipPurchaseOrderThatCannotBeWrittenIsNotSent: a SKU holding
// an X12 delimiter cannot go on a supplier's 850; the allocator leaves
// the order as it was, names the segment, element and character, and
// queues nothing broken.
func TestDropShipPurchaseOrderThatCannotBeWrittenIsNotSent(t *testing.T) {
	w := b2bWorld(t)
	if err := w.store.PutSKU(w.ctx, oms.SKU{SKU: "TEA*POT", Description: "teapot"}); err != nil {
		t.Fatal(err)
	}
	o := w.capture(t, order("W-DW", testGB, false, LineInput{SKU: "TEA*POT", Qty: 1, UnitPrice: 3000}))
	if err := w.store.MarkDropShip(w.ctx, o.ID, 1, "TEAPOTS"); err != nil {
		t.Fatal(err)
	}
	p := DefaultPolicy()
	res, err := w.store.AllocatePending(w.ctx, &p, 100, true)
	if err != nil {
		t.Fatal(err)
	}
	var de *edi.DelimiterError
	if len(res.Errors) != 1 || !errors.As(res.Errors[0], &de) || de.Segment != "PO1" || de.Element != 7 || de.Char != '*' ||
		!strings.Contains(res.Errors[0].Error(), o.ID) {
		t.Fatalf("allocation errors %v, want one naming order %s and PO107's '*'", res.Errors, o.ID)
	}
	if orders, _ := supplierPOs(t, w, o.ID); len(orders) != 0 {
		t.Fatalf("%d purchase orders queued", len(orders))
	}
	if v := w.view(t, o.ID); v.Status != oms.StateReceived || v.Lines[0].DropShip.State != "new" {
		t.Fatalf("order after the refusal: %s %+v", v.Status, v.Lines[0].DropShip)
	}
}

// TestB2BFolderWritesOutboundWhenAnInboundFileFails: a file that cannot
// be finished for a reason of ours (here its processed folder is not a
// folder) stays and holds the files after it, but the documents already
// waiting still go out: 997s, 855s and 850s to suppliers do not stop.
func TestB2BFolderWritesOutboundWhenAnInboundFileFails(t *testing.T) {
	w := b2bWorld(t)
	dir := t.TempDir()
	cfg := EDIConfig{In: filepath.Join(dir, "in"), Out: filepath.Join(dir, "out"), Processed: filepath.Join(dir, "not-a-folder")}
	f := cfg.Folders()
	for _, d := range []string{f.In, f.Out, f.Rejected} {
		os.MkdirAll(d, 0o750)
	}
	os.WriteFile(f.Processed, []byte("in the way"), 0o640)
	os.WriteFile(filepath.Join(f.In, "a.x12"), []byte(x12File("ACMEBUYER", "PACKLINE", 41, "PO", "850", b2bPO("PO-G"))), 0o640)
	os.WriteFile(filepath.Join(f.In, "b.x12"), []byte(x12File("ACMEBUYER", "PACKLINE", 42, "PO", "850", b2bPO("PO-H"))), 0o640)
	if err := w.svc.EDIOnce(w.ctx, f); err == nil {
		t.Fatal("want the failure reported")
	}
	es, _ := os.ReadDir(f.Out)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	if len(out) != 1 || !strings.HasPrefix(out[0], "997-ACMEBUYER-") {
		t.Fatalf("out folder after the failure: %v, want the first file's 997", out)
	}
	// The file after the failed one waits: order is kept.
	var orders int
	w.store.db.QueryRow("SELECT count(*) FROM orders WHERE external_id = 'PO-H'").Scan(&orders)
	if orders != 0 {
		t.Fatal("the file after the failed one was read out of order")
	}
}

// askTA1 sets ISA14 of an interchange x12File wrote: the sender asks for a
// TA1.
func askTA1(data string) string { return strings.Replace(data, "*0*P*>~", "*1*P*>~", 1) }

// answer parses the interchange that answered a file: it must read
// cleanly.
func answer(t testing.TB, data []byte) *edi.Interchange {
	t.Helper()
	ic, err := edi.Parse(data)
	if err != nil || len(ic.Problems) > 0 {
		t.Fatalf("answer does not parse: %v %v\n%s", err, ic.Problems, data)
	}
	return ic
}

// answer997 reads the answer's one 997 set.
func answer997(t testing.TB, ic *edi.Interchange) edi.FuncAck {
	t.Helper()
	if len(ic.Groups) != 1 || ic.Groups[0].FunctionalID != "FA" || len(ic.Groups[0].Sets) != 1 {
		t.Fatalf("answer holds %d groups, want one 997", len(ic.Groups))
	}
	fa, errs := edi.ReadFuncAck(ic.Groups[0].Sets[0], 0, 0)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return fa
}

func TestB2BInterchangeAcknowledgments(t *testing.T) {
	w := b2bWorld(t)
	ta1 := func(ctl int, status, note string) []edi.InterchangeAck {
		return []edi.InterchangeAck{{Control: fmt.Sprintf("%09d", ctl), Date: "261129", Time: "1200", Status: status, Note: note}}
	}
	cases := []struct {
		name     string
		data     string
		accepted bool
		ta1      []edi.InterchangeAck // nil: no TA1 wanted
		ak9      string               // the 997's AK901
		ak905    []string
	}{
		{"asked for, good", askTA1(x12File("ACMEBUYER", "PACKLINE", 101, "PO", "850", b2bPO("PO-T1"))), true, ta1(101, "A", "000"), "A", nil},
		{"not asked for, good", x12File("ACMEBUYER", "PACKLINE", 102, "PO", "850", b2bPO("PO-T2")), true, nil, "A", nil},
		// The 997 rejects the group; the envelope itself is good.
		{"asked for, group rejected", askTA1(strings.Replace(x12File("ACMEBUYER", "PACKLINE", 103, "PO", "850", b2bPO("PO-T3")), "GE*1*103", "GE*2*103", 1)),
			false, ta1(103, "A", "000"), "R", []string{"5"}},
		// A bad envelope is answered whether asked or not.
		{"control numbers differ", strings.Replace(x12File("ACMEBUYER", "PACKLINE", 104, "PO", "850", b2bPO("PO-T4")), "IEA*1*000000104", "IEA*1*000000105", 1),
			false, ta1(104, "R", "001"), "R", nil},
		{"group count wrong", askTA1(strings.Replace(x12File("ACMEBUYER", "PACKLINE", 105, "PO", "850", b2bPO("PO-T5")), "IEA*1*", "IEA*3*", 1)),
			false, ta1(105, "R", "021"), "R", nil},
		{"ISA12 too short", strings.Replace(x12File("ACMEBUYER", "PACKLINE", 106, "PO", "850", b2bPO("PO-T6")), "*00401*", "*0041*", 1),
			false, ta1(106, "R", "017"), "R", nil},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := w.store.ProcessEDIFile(w.ctx, fmt.Sprintf("ta1-%d.x12", i), []byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			if res.Accepted != c.accepted || len(res.Orders) != map[bool]int{true: 1}[c.accepted] {
				t.Fatalf("accepted %v with %d orders, want %v: %v", res.Accepted, len(res.Orders), c.accepted, res.Problems)
			}
			ic := answer(t, res.Ack)
			if !slices.Equal(ic.TA1, c.ta1) {
				t.Fatalf("TA1 %+v, want %+v:\n%s", ic.TA1, c.ta1, res.Ack)
			}
			if ic.ISA.SenderID != "PACKLINE" || ic.ISA.ReceiverID != "ACMEBUYER" || ic.ISA.AckRequested != "0" {
				t.Fatalf("answer from %s to %s, ISA14 %s", ic.ISA.SenderID, ic.ISA.ReceiverID, ic.ISA.AckRequested)
			}
			// The 997 is in the same interchange, after the TA1.
			if fa := answer997(t, ic); fa.Status != c.ak9 || fmt.Sprint(fa.Codes) != fmt.Sprint(c.ak905) {
				t.Fatalf("997 %s %v, want %s %v", fa.Status, fa.Codes, c.ak9, c.ak905)
			}
			var n int
			w.store.db.QueryRow("SELECT count(*) FROM edi_outbound WHERE ref = ?", fmt.Sprint("file:", res.FileID)).Scan(&n)
			if n != 1 {
				t.Fatalf("%d outbound documents answer the file, want one interchange", n)
			}
		})
	}
	var orders, ediOrders int
	w.store.db.QueryRow("SELECT count(*) FROM orders").Scan(&orders)
	w.store.db.QueryRow("SELECT count(*) FROM edi_orders").Scan(&ediOrders)
	if orders != 2 || ediOrders != 2 {
		t.Fatalf("%d orders, %d edi orders: only the two good files store anything", orders, ediOrders)
	}

	// An ISA that does not say who sent it: nobody to answer, as before.
	// The 997 goes only beside the file, with no TA1.
	noSender := strings.Replace(x12File("ACMEBUYER", "PACKLINE", 107, "PO", "850", b2bPO("PO-T7")), "*ZZ*ACMEBUYER      *", "**ACMEBUYER      *", 1)
	res, err := w.store.ProcessEDIFile(w.ctx, "ta1-nosender.x12", []byte(noSender))
	if err != nil || res.Accepted {
		t.Fatalf("%+v %v", res, err)
	}
	if ic, _ := edi.Parse(res.Ack); ic == nil || len(ic.TA1) != 0 || ic.ISA.ReceiverID != "UNKNOWN" {
		t.Fatalf("answer to an unreadable ISA:\n%s", res.Ack)
	}
	var queued int
	w.store.db.QueryRow("SELECT count(*) FROM edi_outbound WHERE ref = ?", fmt.Sprint("file:", res.FileID)).Scan(&queued)
	if queued != 0 {
		t.Fatal("an answer to an unreadable ISA was queued")
	}
}

// TestB2BTA1AloneAndPartnersTA1: an interchange with nothing for a 997 to
// answer (a partner's accepted 997), or whose 997 has nobody to go to (a
// GS02 too long to echo), gets its TA1 alone, an interchange of 0 groups;
// a partner's TA1 is recorded and never answered, even when its
// interchange asks for a TA1.
func TestB2BTA1AloneAndPartnersTA1(t *testing.T) {
	w := b2bWorld(t)
	fa := askTA1(x12File("ACMEBUYER", "PACKLINE", 201, "FA", "997", []string{"AK1*PR*5", "AK2*855*0001", "AK5*A", "AK9*A*1*1*1"}))
	res, err := w.store.ProcessEDIFile(w.ctx, "fa.x12", []byte(fa))
	if err != nil || !res.Accepted {
		t.Fatalf("%+v %v", res, err)
	}
	ic := answer(t, res.Ack)
	want := edi.InterchangeAck{Control: "000000201", Date: "261129", Time: "1200", Status: "A", Note: "000"}
	if len(ic.Groups) != 0 || len(ic.TA1) != 1 || ic.TA1[0] != want || !strings.Contains(string(res.Ack), "IEA*0*") {
		t.Fatalf("TA1 alone: %+v, %d groups:\n%s", ic.TA1, len(ic.Groups), res.Ack)
	}
	var name string
	w.store.db.QueryRow("SELECT file_name FROM edi_outbound WHERE ref = ?", fmt.Sprint("file:", res.FileID)).Scan(&name)
	if !strings.HasPrefix(name, "TA1-ACMEBUYER-") {
		t.Fatalf("TA1 alone queued as %q", name)
	}

	// A GS02 that cannot be echoed: the 997 has nobody to go to and stays
	// with the file, as before, but the ISA names the sender, so the TA1
	// still goes, alone.
	longGS := strings.Replace(askTA1(x12File("ACMEBUYER", "PACKLINE", 202, "PO", "850", b2bPO("PO-L"))), "GS*PO*ACMEBUYER*", "GS*PO*ACMEBUYER-PURCHASING-DEPT*", 1)
	res, err = w.store.ProcessEDIFile(w.ctx, "longgs.x12", []byte(longGS))
	if err != nil {
		t.Fatal(err)
	}
	if ic := answer(t, res.Ack); len(ic.TA1) != 0 || ic.ISA.ReceiverID != "UNKNOWN" {
		t.Fatalf("997 kept with the file:\n%s", res.Ack)
	}
	var body []byte
	w.store.db.QueryRow("SELECT file_name, body FROM edi_outbound WHERE ref = ?", fmt.Sprint("file:", res.FileID)).Scan(&name, &body)
	if ic := answer(t, body); !strings.HasPrefix(name, "TA1-ACMEBUYER-") || len(ic.Groups) != 0 || len(ic.TA1) != 1 || ic.TA1[0].Control != "000000202" {
		t.Fatalf("queued %s:\n%s", name, body)
	}

	// The partner's TA1 for one of our interchanges, in an interchange
	// of its own that asks for a TA1.
	for _, c := range []struct {
		name   string
		ctl    int
		ta1    string
		status string
	}{
		{"accepted", 203, "TA1*000000003*261129*0930*A*000", "A"},
		{"rejected", 204, "TA1*000000004*261129*0931*R*001", "R"},
	} {
		t.Run(c.name, func(t *testing.T) {
			isa := askTA1(x12File("TEAPOTSUP", "PACKLINE", c.ctl, "PO", "850"))
			data := fmt.Sprintf("%s%s~\nIEA*0*%09d~\n", isa[:strings.Index(isa, "GS*")], c.ta1, c.ctl)
			res, err := w.store.ProcessEDIFile(w.ctx, "ta1-in-"+c.name+".x12", []byte(data))
			if err != nil || !res.Accepted || len(res.Problems) != 0 {
				t.Fatalf("%+v %v", res, err)
			}
			if len(res.Ack) != 0 {
				t.Fatalf("a TA1 was answered:\n%s", res.Ack)
			}
			if len(res.ReceivedTA1) != 1 || res.ReceivedTA1[0].Status != c.status {
				t.Fatalf("received %+v", res.ReceivedTA1)
			}
			var status, sender, detail string
			w.store.db.QueryRow("SELECT status, sender, detail FROM edi_files WHERE id = ?", res.FileID).Scan(&status, &sender, &detail)
			if status != "accepted" || sender != "TEAPOTSUP" || !strings.Contains(detail, c.ta1[4:13]) {
				t.Fatalf("file record: %s %s %q", status, sender, detail)
			}
			var n int
			w.store.db.QueryRow("SELECT count(*) FROM edi_outbound WHERE ref = ?", fmt.Sprint("file:", res.FileID)).Scan(&n)
			if n != 0 {
				t.Fatal("something queued to answer a TA1")
			}
		})
	}
}

// TestB2BFolderAnswersEachInterchangeOnce: through the folders, a TA1
// goes out once per inbound interchange however often it is offered; a
// rejected file's answer, TA1 and 997, also lies beside it.
func TestB2BFolderAnswersEachInterchangeOnce(t *testing.T) {
	w := b2bWorld(t)
	dir := t.TempDir()
	cfg := EDIConfig{In: filepath.Join(dir, "in"), Out: filepath.Join(dir, "out")}
	f := cfg.Folders()
	for _, d := range []string{f.In, f.Out, f.Rejected, f.Processed} {
		os.MkdirAll(d, 0o750)
	}
	good := askTA1(x12File("ACMEBUYER", "PACKLINE", 301, "PO", "850", b2bPO("PO-F1")))
	bad := strings.Replace(x12File("ACMEBUYER", "PACKLINE", 302, "PO", "850", b2bPO("PO-F2")), "IEA*1*000000302", "IEA*1*000000399", 1)
	offer := func(svc *Service) {
		t.Helper()
		os.WriteFile(filepath.Join(f.In, "a.x12"), []byte(good), 0o640)
		os.WriteFile(filepath.Join(f.In, "b.x12"), []byte(bad), 0o640)
		if err := svc.EDIOnce(w.ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	// ta1s reads every interchange in the out folder and returns the TA1s
	// they carry, by the control number they acknowledge.
	ta1s := func() map[string][]edi.InterchangeAck {
		t.Helper()
		es, _ := os.ReadDir(f.Out)
		out := map[string][]edi.InterchangeAck{}
		for _, e := range es {
			data, err := os.ReadFile(filepath.Join(f.Out, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range answer(t, data).TA1 {
				out[a.Control] = append(out[a.Control], a)
			}
		}
		return out
	}
	offer(w.svc)
	got := ta1s()
	if len(got) != 2 || len(got["000000301"]) != 1 || got["000000301"][0].Status != "A" || len(got["000000302"]) != 1 ||
		got["000000302"][0].Status != "R" || got["000000302"][0].Note != edi.NoteControlMismatch {
		t.Fatalf("TA1s in the out folder: %+v", got)
	}
	beside, err := os.ReadFile(filepath.Join(f.Rejected, "b.x12.997"))
	if err != nil {
		t.Fatal(err)
	}
	if ic := answer(t, beside); len(ic.TA1) != 1 || ic.TA1[0] != got["000000302"][0] || answer997(t, ic).Status != "R" {
		t.Fatalf("answer beside the rejected file:\n%s", beside)
	}
	// Offered again, by a restarted omsd: no second TA1.
	offer(NewService(w.store, DefaultPolicy(), nil, nil))
	again := ta1s()
	if len(again["000000301"]) != 1 || len(again["000000302"]) != 1 {
		t.Fatalf("TA1s after the files were offered again: %+v", again)
	}
	var orders int
	w.store.db.QueryRow("SELECT count(*) FROM orders").Scan(&orders)
	if orders != 1 {
		t.Fatalf("%d orders, want the good file's one", orders)
	}
}

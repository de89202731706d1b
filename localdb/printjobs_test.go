package localdb

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/packline/packline/printers"
)

func TestPrintJobLifecycle(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "station.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	zpl := []byte("^XA^FO1,1^FH^FDa^FS^XZ^XA^XZ")
	for i, id := range []string{"j1", "j2", "j3"} {
		if err := db.AddPrintJob(ctx, printers.Job{ID: id, Printer: "p1", Template: "shipping", ZPL: zpl, OrderID: "SO-1", ShipmentID: "SH-1", Labels: 2}); err != nil {
			t.Fatal(i, err)
		}
	}
	if err := db.AddPrintJob(ctx, printers.Job{ID: "j1", Printer: "p1", Template: "x", ZPL: zpl}); err == nil {
		t.Fatal("duplicate job id accepted")
	}
	next := func() string {
		j, ok, err := db.NextPrintJob(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return ""
		}
		return j.ID
	}
	if got := next(); got != "j1" {
		t.Fatalf("next = %s", got)
	}
	if err := db.MarkPrintJobSending(ctx, "j1", 41); err != nil {
		t.Fatal(err)
	}
	if err := db.VoidPrintJob(ctx, "j1"); !errors.Is(err, printers.ErrJobState) {
		t.Fatalf("void while sending: %v", err)
	}
	if err := db.MarkPrintJobQueued(ctx, "j1", "resend: 1 of 2 labels had printed", 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkPrintJobSending(ctx, "j1", 42); err != nil {
		t.Fatal(err)
	}
	// A restart finds the job as it was left: sending, odometer and progress kept.
	db.Close()
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	j, err := db.PrintJob(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	if j.State != printers.JobSending || j.Attempts != 2 || j.OdometerBefore != 42 || j.LabelsDone != 1 || j.Labels != 2 ||
		j.OrderID != "SO-1" || j.ShipmentID != "SH-1" || string(j.ZPL) != string(zpl) || j.CreatedAt.IsZero() {
		t.Fatalf("after restart: %+v", j)
	}
	if err := db.MarkPrintJobPrinted(ctx, "j1"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkPrintJobPrinted(ctx, "j1"); !errors.Is(err, printers.ErrJobState) {
		t.Fatalf("printed twice: %v", err)
	}
	if got := next(); got != "j2" {
		t.Fatalf("next = %s", got)
	}
	if err := db.VoidPrintJob(ctx, "j2"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkPrintJobFailed(ctx, "j3", "in doubt"); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != "" {
		t.Fatalf("next = %s, want none", got)
	}
	if err := db.VoidPrintJob(ctx, "j3"); err != nil {
		t.Fatalf("void failed job: %v", err)
	}
	if err := db.VoidPrintJob(ctx, "nope"); !errors.Is(err, printers.ErrJobNotFound) {
		t.Fatalf("void unknown: %v", err)
	}
	if _, err := db.PrintJob(ctx, "nope"); !errors.Is(err, printers.ErrJobNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	jobs, err := db.PrintJobs(ctx, "", 10)
	if err != nil || len(jobs) != 3 || jobs[0].ID != "j3" || jobs[0].State != printers.JobVoided || jobs[2].PrintedAt.IsZero() {
		t.Fatalf("jobs: %+v %v", jobs, err)
	}
}

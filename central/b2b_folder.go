package central

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// maxEDIFile is the largest inbound file read; a bigger one is moved to
// the rejected folder unread.
const maxEDIFile = 32 << 20

// EDIFolders are the folders of the folder transport, with defaults
// filled in.
type EDIFolders struct{ In, Out, Rejected, Processed string }

// Folders returns the folders of the config, defaults filled in.
func (c *EDIConfig) Folders() EDIFolders {
	f := EDIFolders{In: c.In, Out: c.Out, Rejected: c.Rejected, Processed: c.Processed}
	if f.Rejected == "" && f.In != "" {
		f.Rejected = filepath.Join(f.In, "rejected")
	}
	if f.Processed == "" && f.In != "" {
		f.Processed = filepath.Join(f.In, "processed")
	}
	return f
}

// RunEDI is the folder transport: every poll interval it processes the
// files waiting in the in folder (EDIOnce) and writes the documents
// waiting for the out folder, until ctx ends. A database error leaves the
// file where it is, to be tried again.
func (svc *Service) RunEDI(ctx context.Context, cfg EDIConfig) error {
	f := cfg.Folders()
	for _, dir := range []string{f.In, f.Out, f.Rejected, f.Processed} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("edi folder: %w", err)
		}
	}
	poll := time.Duration(cfg.withDefaults().Poll)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		if err := svc.EDIOnce(ctx, f); err != nil && ctx.Err() == nil {
			svc.Log.Error("edi folders", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// EDIOnce processes every file in the in folder, oldest name first, and
// writes every outbound document not yet written. Files whose names start
// with a dot or end in .tmp or .part are being written by the partner
// and are left alone: partners write under such a name and rename.
//
// A file that fails for a reason of ours (the database, the disk) stays
// where it is and the files after it wait with it, so a buyer's order and
// its later cancellation are never read out of order; the documents
// already waiting to go out (855s, 856s, 850s to suppliers, 997s) are
// still written.
func (svc *Service) EDIOnce(ctx context.Context, f EDIFolders) error {
	inErr := svc.readEDIIn(ctx, f)
	return errors.Join(inErr, svc.WriteEDIOut(ctx, f.Out))
}

func (svc *Service) readEDIIn(ctx context.Context, f EDIFolders) error {
	entries, err := os.ReadDir(f.In)
	if err != nil {
		return fmt.Errorf("edi in folder %s: %w", f.In, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part") {
			continue
		}
		if err := svc.processEDIFile(ctx, f, name); err != nil {
			return err
		}
	}
	return nil
}

func (svc *Service) processEDIFile(ctx context.Context, f EDIFolders, name string) error {
	path := filepath.Join(f.In, name)
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("edi file %s: %w", path, err)
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxEDIFile+1))
	fh.Close()
	if err != nil {
		return fmt.Errorf("edi file %s: %w", path, err)
	}
	if len(data) > maxEDIFile {
		svc.Log.Warn("edi file refused", "file", name, "err", "larger than 32 MiB")
		if err := writeFileAtomic(filepath.Join(f.Rejected, name+".error"), []byte("larger than 32 MiB; not read\n")); err != nil {
			return err
		}
		return moveFile(path, f.Rejected, name)
	}
	res, err := svc.Store.ProcessEDIFile(ctx, name, data)
	if err != nil {
		return err
	}
	if len(res.Orders) > 0 {
		svc.Kick(false)
	}
	for _, a := range res.ReceivedTA1 {
		// A partner's TA1 changes nothing, but an interchange it rejects
		// (R) or accepts with errors noted (E) wants someone to look.
		if a.Status == "A" {
			svc.Log.Info("edi interchange acknowledged", "file", name, "ta1", a.String())
		} else {
			svc.Log.Warn("edi interchange not accepted as sent", "file", name, "ta1", a.String())
		}
	}
	switch {
	case res.Accepted:
		if !res.Duplicate {
			svc.Log.Info("edi file applied", "file", name, "orders", res.Orders)
		}
		return moveFile(path, f.Processed, name)
	default:
		svc.Log.Warn("edi file rejected", "file", name, "problems", len(res.Problems), "err", firstProblem(res))
		if len(res.Ack) > 0 {
			if err := writeFileAtomic(filepath.Join(f.Rejected, name+".997"), res.Ack); err != nil {
				return err
			}
		}
		if res.Err != nil {
			if err := writeFileAtomic(filepath.Join(f.Rejected, name+".error"), []byte(res.Err.Error()+"\n")); err != nil {
				return err
			}
		}
		return moveFile(path, f.Rejected, name)
	}
}

func firstProblem(res EDIFileResult) string {
	if res.Err != nil {
		return res.Err.Error()
	}
	if len(res.Problems) > 0 {
		return res.Problems[0].Error()
	}
	return ""
}

// WriteEDIOut writes every queued outbound document to dir, each once:
// written under a temporary name, synced, renamed, then marked written. A
// crash between the rename and the mark writes the same bytes under the
// same name again, which is harmless.
func (svc *Service) WriteEDIOut(ctx context.Context, dir string) error {
	for {
		docs, err := svc.Store.PendingEDIDocs(ctx, 100)
		if err != nil || len(docs) == 0 {
			return err
		}
		for _, d := range docs {
			if err := writeFileAtomic(filepath.Join(dir, d.FileName), d.Body); err != nil {
				return err
			}
			if err := svc.Store.MarkEDIDocWritten(ctx, d.ID); err != nil {
				return err
			}
		}
	}
}

func writeFileAtomic(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	fh, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = fh.Write(data)
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// moveFile moves a processed file out of the in folder; a name already
// taken there gets a time suffix rather than overwriting.
func moveFile(path, dir, name string) error {
	dst := filepath.Join(dir, name)
	if _, err := os.Stat(dst); err == nil {
		dst = filepath.Join(dir, name+"."+time.Now().UTC().Format("20060102T150405.000000000"))
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("move %s: %w", path, err)
	}
	if err := os.Rename(path, dst); err != nil {
		return fmt.Errorf("move %s to %s: %w", path, dir, err)
	}
	return nil
}

package scanner

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// DeviceState is whether a scanner is connected.
type DeviceState string

// The states a scanner reports.
const (
	// StateUp means the scanner is open and scans are read from it.
	StateUp DeviceState = "up"
	// StateDown means the scanner is missing, unplugged or failed; it is
	// looked for again every reopen interval.
	StateDown DeviceState = "down"
)

// device is an open scanner of any kind.
type device interface {
	// readFrames reads until the device fails or is closed, handing each
	// complete scan to emit.
	readFrames(emit func(Frame)) error
	close() error
}

// deviceSpec names a configured scanner and how to open it.
type deviceSpec struct {
	name string
	kind string // serial or hid
	path string
	open func() (device, error)
}

// supervisor keeps one scanner open: it opens the device, reads it until
// it fails, and opens it again, so an unplugged scanner comes back when it
// is plugged in again, without a restart.
type supervisor struct {
	spec    deviceSpec
	reopen  time.Duration
	log     *slog.Logger
	onFrame func(device string, fr Frame)
	onState func(device string, state DeviceState, err error)
}

// devIdentity is what a device path resolves to; when it changes while
// the device is open, a different device was plugged in under that name.
type devIdentity struct{ rdev, ino uint64 }

func statIdentity(path string) (devIdentity, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return devIdentity{}, err
	}
	return devIdentity{rdev: uint64(st.Rdev), ino: uint64(st.Ino)}, nil
}

func (s *supervisor) run(ctx context.Context) {
	log := s.log.With("device", s.spec.name, "kind", s.spec.kind, "path", s.spec.path)
	var state DeviceState
	var lastErr string
	down := func(err error) {
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if state == StateDown && msg == lastErr {
			return
		}
		if state == StateUp {
			log.Warn("scanner lost", "error", msg)
		} else {
			log.Warn("scanner not available", "error", msg)
		}
		state, lastErr = StateDown, msg
		s.onState(s.spec.name, StateDown, err)
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		dev, err := s.spec.open()
		if err != nil {
			down(err)
			t.Reset(s.reopen)
			continue
		}
		id, idErr := statIdentity(s.spec.path)
		state, lastErr = StateUp, ""
		log.Info("scanner connected")
		s.onState(s.spec.name, StateUp, nil)

		var once sync.Once
		closeDev := func() { once.Do(func() { dev.close() }) }
		stop := make(chan struct{})
		watchDone := make(chan struct{})
		go func() {
			defer close(watchDone)
			s.watch(ctx, stop, id, idErr == nil, closeDev, log)
		}()
		err = dev.readFrames(func(fr Frame) { s.onFrame(s.spec.name, fr) })
		close(stop)
		<-watchDone
		closeDev()
		if ctx.Err() != nil {
			log.Info("scanner closed")
			return
		}
		down(err)
		t.Reset(s.reopen)
	}
}

// watch closes the open device when ctx ends or when its path no longer
// names the device that was opened: a removed /dev/serial/by-id link, or
// one that now points at another scanner.
func (s *supervisor) watch(ctx context.Context, stop <-chan struct{}, id devIdentity, haveID bool, closeDev func(), log *slog.Logger) {
	tick := time.NewTicker(s.reopen)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			closeDev()
			return
		case <-tick.C:
			if !haveID {
				continue
			}
			now, err := statIdentity(s.spec.path)
			if err != nil || now != id {
				log.Info("scanner path changed, reopening", "error", errString(err))
				closeDev()
				return
			}
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

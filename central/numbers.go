package central

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/packline/packline/shipping"
)

// NumberRefill is how omsd keeps every station stocked with tracking
// numbers and SSCCs: a station that has fewer than Low left of a series
// gets another Size, as a task, before it runs out (even a station that
// is offline gets its range queued for when it is back).
type NumberRefill struct {
	Series []shipping.Series
	Low    int64
	Size   int64
	Every  time.Duration
}

// DefineSeries records the number series of the shipping config.
func (svc *Service) DefineSeries(ctx context.Context, series []shipping.Series) error {
	for _, s := range series {
		if err := svc.Store.DefineNumberSeries(ctx, s.Name, s.First, s.Last); err != nil {
			return fmt.Errorf("number series %s: %w", s.Name, err)
		}
	}
	return nil
}

// RefillNumbers tops up every enabled station's ranges once.
func (svc *Service) RefillNumbers(ctx context.Context, r NumberRefill) error {
	sites, err := svc.Store.Sites(ctx)
	if err != nil {
		return err
	}
	for _, site := range sites {
		for _, st := range site.Stations {
			for _, s := range r.Series {
				// Numbers used are counted by the carrier's shipments: the
				// series' carrier (an IMpb series is named per Mailer ID,
				// "usps:901649173"), or its name when it does not say.
				sscc := strings.HasPrefix(s.Name, "sscc:")
				carrier := s.Carrier
				if carrier == "" && !sscc {
					carrier = s.Name
				}
				var used int64
				if mid, ok := strings.CutPrefix(s.Name, carrier+":"); ok && !sscc {
					used, err = svc.Store.NumbersUsedIMpb(ctx, site.ID, st, carrier, mid)
				} else {
					used, err = svc.Store.NumbersUsed(ctx, site.ID, st, carrier, sscc)
				}
				if err != nil {
					return err
				}
				got, err := svc.Store.RefillNumberRange(ctx, site.ID, st, s.Name, used, r.Low, r.Size)
				if err != nil {
					return err
				}
				if got != nil {
					svc.Log.Info("number range queued", "site", site.ID, "station", st, "series", s.Name, "first", got.First, "last", got.Last)
				}
			}
		}
	}
	return nil
}

// RunNumberRefill refills at start and every r.Every until ctx ends.
func (svc *Service) RunNumberRefill(ctx context.Context, r NumberRefill) error {
	if r.Every <= 0 {
		r.Every = 30 * time.Second
	}
	for {
		if err := svc.RefillNumbers(ctx, r); err != nil && ctx.Err() == nil {
			svc.Log.Warn("refill number ranges", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(r.Every):
		}
	}
}

package central

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/packline/packline/oms"
)

// Service is central's running core: the store, the allocation policy and
// the allocator loop that turns captured orders into station tasks.
type Service struct {
	Store   *Store
	Policy  Policy
	Log     *slog.Logger
	Metrics *Metrics
	// Shopify and Notify are the webhook and notification settings.
	Shopify ShopifyConfig
	Notify  NotifyConfig
	// OrderURL, when set, gives the customer's page of an order; the
	// notifier puts it in every message.
	OrderURL func(orderID string) string

	kick         chan struct{}
	stockChanged atomic.Bool
	// BatchSize is how many orders one allocation transaction handles.
	BatchSize int
}

// NewService builds a service on an open store.
func NewService(store *Store, policy Policy, log *slog.Logger, m *Metrics) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics()
	}
	svc := &Service{Store: store, Policy: policy, Log: log, Metrics: m, kick: make(chan struct{}, 1), BatchSize: 256}
	svc.stockChanged.Store(true) // look at backorders once at start
	m.watchStore(store)
	return svc
}

// Kick wakes the allocator; stockChanged says backorders may now fit.
func (svc *Service) Kick(stockChanged bool) {
	if stockChanged {
		svc.stockChanged.Store(true)
	}
	select {
	case svc.kick <- struct{}{}:
	default:
	}
}

// Capture stores an order from a channel and wakes the allocator.
func (svc *Service) Capture(ctx context.Context, in OrderInput, by string) (oms.Order, bool, error) {
	o, created, err := svc.Store.Capture(ctx, in, by)
	switch {
	case err != nil:
		svc.Metrics.captured.WithLabelValues(string(in.Channel), "rejected").Inc()
	case created:
		svc.Metrics.captured.WithLabelValues(string(o.Channel), "created").Inc()
		svc.Kick(false)
	default:
		svc.Metrics.captured.WithLabelValues(string(o.Channel), "duplicate").Inc()
	}
	return o, created, err
}

// Run allocates waiting orders until ctx ends: at once when kicked, and
// every second in case a kick was missed.
func (svc *Service) Run(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		svc.AllocateAll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-svc.kick:
		case <-tick.C:
		}
	}
}

// AllocateAll runs allocation passes until nothing waiting can move.
func (svc *Service) AllocateAll(ctx context.Context) AllocResult {
	var total AllocResult
	withBackorders := svc.stockChanged.Swap(false)
	for ctx.Err() == nil {
		res, err := svc.Store.AllocatePending(ctx, &svc.Policy, svc.BatchSize, withBackorders)
		if err != nil {
			svc.Log.Error("allocation pass failed", "err", err)
			return total
		}
		for _, e := range res.Errors {
			svc.Log.Warn("order not allocated", "err", e)
		}
		total.Examined += res.Examined
		total.Allocated += res.Allocated
		total.Backordered += res.Backordered
		total.Released += res.Released
		svc.Metrics.allocated.WithLabelValues("allocated").Add(float64(res.Allocated))
		svc.Metrics.allocated.WithLabelValues("backordered").Add(float64(res.Backordered))
		svc.Metrics.allocated.WithLabelValues("released").Add(float64(res.Released))
		// Backordered orders stay where they are; once a pass finds only
		// those, there is nothing more to do until stock changes.
		if res.Examined < svc.BatchSize || res.Allocated == 0 && withBackorders {
			return total
		}
	}
	return total
}

package central

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are omsd's Prometheus metrics, on a registry of their own.
type Metrics struct {
	Registry  *prometheus.Registry
	captured  *prometheus.CounterVec
	allocated *prometheus.CounterVec
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
}

// NewMetrics creates the metrics and their registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		captured: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "packline_orders_captured_total", Help: "Orders received from channels, by channel and result (created, duplicate, rejected).",
		}, []string{"channel", "result"}),
		allocated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "packline_allocation_orders_total", Help: "Orders handled by the allocator, by outcome.",
		}, []string{"outcome"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "packline_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "packline_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"route"}),
	}
	m.Registry.MustRegister(m.captured, m.allocated, m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watchStore exports gauges read from the database at scrape time.
func (m *Metrics) watchStore(s *Store) {
	gauge := func(name, help, q string) {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var v float64
			s.db.QueryRowContext(ctx, q).Scan(&v)
			return v
		}))
	}
	gauge("packline_orders_backordered", "Orders waiting for stock.", "SELECT count(*) FROM orders WHERE state = 'backordered'")
	gauge("packline_orders_waiting_allocation", "Orders captured and not yet allocated.", "SELECT count(*) FROM orders WHERE state = 'received'")
	gauge("packline_tasks_unpublished", "Station tasks not yet published to NATS.", "SELECT count(*) FROM task_outbox WHERE published_at IS NULL")
	gauge("packline_sync_dead_letters", "Station messages and events set aside (GET /v1/dead-letters).", "SELECT count(*) FROM dead_letters")
	gauge("packline_sync_refused_events", "Of the dead letters, stations' own events central refused and passed.", "SELECT count(*) FROM dead_letters WHERE seq > 0")
	gauge("packline_sync_parked_events", "Station events waiting for a missing seq.", "SELECT count(*) FROM parked_events")
	gauge("packline_floor_exceptions_open", "Floor exceptions not yet resolved (GET /v1/exceptions).", "SELECT count(*) FROM exceptions WHERE resolved = 0")
}

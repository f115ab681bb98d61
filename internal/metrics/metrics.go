// Package metrics is erpbridge's Prometheus instrumentation: a collector
// that reads the backlog and the order inbox from the state database on
// every scrape, HTTP request metrics, and the engine's own metrics (push
// latency, rate-limit waits, circuit state) behind a small API the engine
// calls.
//
// The engine feeds its metrics through ObservePush, ObserveRateLimitWait,
// SetCircuit, ObserveERPRead and ObserveJob; a series appears with its first
// event. Readings gives the status API the same facts as values.
package metrics

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/erpbridge/erpbridge/internal/state"
)

const namespace = "erpbridge"

// Engine metrics: package level so the engine can record them without
// carrying a handle; every Registry exposes them.
var (
	pushDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "push_duration_seconds",
		Help:    "Duration of one batch push to a store, by store and kind.",
		Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"store", "kind"})
	pushedItems = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "pushed_items_total",
		Help: "Items pushed to a store, by store, kind and result (ok or failed).",
	}, []string{"store", "kind", "result"})
	rateLimitWait = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "rate_limit_wait_seconds_total",
		Help: "Time spent waiting for a store's rate limit or Retry-After, by store.",
	}, []string{"store"})
	circuit = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "store_circuit_state",
		Help: "A store's circuit: 0 closed (pushing), 1 half-open (probing), 2 open (stopped).",
	}, []string{"store"})
	erpReadDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "erp_read_duration_seconds",
		Help:    "Duration of one ERP read, by what (delta or snapshot).",
		Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
	}, []string{"what"})
	erpRows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "erp_rows_read_total",
		Help: "Rows read from the ERP, by what (delta or snapshot).",
	}, []string{"what"})
)

// Circuit states for SetCircuit.
const (
	CircuitClosed   = 0
	CircuitHalfOpen = 1
	CircuitOpen     = 2
)

// ObservePush records one batch push to store: how long it took and how
// many of its items the store accepted and refused.
func ObservePush(store, kind string, d time.Duration, items, failed int) {
	pushDuration.WithLabelValues(store, kind).Observe(d.Seconds())
	pushedItems.WithLabelValues(store, kind, "ok").Add(float64(max(items-failed, 0)))
	pushedItems.WithLabelValues(store, kind, "failed").Add(float64(max(failed, 0)))
	if items > failed {
		updateStore(store, func(r *StoreReading) { r.LastPushAt = time.Now() })
	}
}

// ObserveRateLimitWait records time spent waiting before a push to store.
func ObserveRateLimitWait(store string, d time.Duration) {
	rateLimitWait.WithLabelValues(store).Add(d.Seconds())
	updateStore(store, func(r *StoreReading) { r.RateLimitWait += d })
}

// SetCircuit records a store's circuit state (CircuitClosed, CircuitHalfOpen
// or CircuitOpen).
func SetCircuit(store string, state int) {
	circuit.WithLabelValues(store).Set(float64(state))
	updateStore(store, func(r *StoreReading) { r.Circuit = circuitNames[state] })
}

// ObserveERPRead records one ERP read ("delta", "prices-stock" or "snapshot"): its duration
// and the rows it returned.
func ObserveERPRead(what string, d time.Duration, rows int) {
	erpReadDuration.WithLabelValues(what).Observe(d.Seconds())
	erpRows.WithLabelValues(what).Add(float64(rows))
	now := time.Now()
	erpLastRead.WithLabelValues(what).Set(float64(now.Unix()))
	readings.Lock()
	readings.reads[what] = now
	readings.Unlock()
}

// Registry is one hub's metrics: its Prometheus registry with the state
// collector, HTTP metrics, engine metrics and the Go runtime's.
type Registry struct {
	reg  *prometheus.Registry
	http *httpMetrics
}

// New returns the metrics of a hub whose state is db and whose stores are
// stores. The state collector queries db on every scrape, each query bounded
// by timeout (default 5 s); failures are logged to log and show as
// erpbridge_state_up 0.
func New(db *state.DB, stores []string, log *slog.Logger, timeout time.Duration) *Registry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	reg := prometheus.NewRegistry()
	h := newHTTPMetrics()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&stateCollector{db: db, stores: stores, log: log, timeout: timeout},
		h.requests, h.duration,
		pushDuration, pushedItems, rateLimitWait, circuit, erpReadDuration, erpRows,
		jobRuns, erpLastRead,
	)
	return &Registry{reg: reg, http: h}
}

// Gatherer is the registry to serve (promhttp.HandlerFor).
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// ObserveHTTP records one HTTP request: its route pattern (never the raw
// path, whose ids would make endless series), method, status and duration.
func (r *Registry) ObserveHTTP(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	code := strconv.Itoa(status)
	r.http.requests.WithLabelValues(route, method, code).Inc()
	r.http.duration.WithLabelValues(route, method).Observe(d.Seconds())
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics() *httpMetrics {
	return &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "HTTP request duration by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
	}
}

var (
	descUp = prometheus.NewDesc(namespace+"_state_up",
		"1 when the last scrape could read the state database, 0 otherwise.", nil, nil)
	descItems = prometheus.NewDesc(namespace+"_store_items",
		"A store's items by state: in_sync, dirty (backlog, failing included), failing, parked.",
		[]string{"store", "state"}, nil)
	descOrders = prometheus.NewDesc(namespace+"_inbox_orders",
		"Orders in the inbox by store and state.", []string{"store", "state"}, nil)
)

// stateCollector reads counts from the state database on every scrape.
type stateCollector struct {
	db      *state.DB
	stores  []string
	log     *slog.Logger
	timeout time.Duration
}

// Describe implements prometheus.Collector.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descUp
	ch <- descItems
	ch <- descOrders
}

var orderStates = []state.OrderState{state.OrderReceived, state.OrderProcessing, state.OrderImported,
	state.OrderParked, state.OrderInvalid, state.OrderSkipped}

// Collect implements prometheus.Collector.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	up := 1.0
	for _, s := range c.stores {
		ic, err := c.db.StoreItemCounts(ctx, s)
		if err != nil {
			c.log.Warn("metrics: read item counts", slog.String("store", s), slog.Any("err", err))
			up = 0
			continue
		}
		for _, v := range []struct {
			state string
			n     int
		}{{"in_sync", ic.InSync}, {"dirty", ic.Dirty}, {"failing", ic.Failing}, {"parked", ic.Parked}} {
			ch <- prometheus.MustNewConstMetric(descItems, prometheus.GaugeValue, float64(v.n), s, v.state)
		}
		oc, err := c.db.OrderCounts(ctx, s)
		if err != nil {
			c.log.Warn("metrics: read order counts", slog.String("store", s), slog.Any("err", err))
			up = 0
			continue
		}
		for _, st := range orderStates {
			ch <- prometheus.MustNewConstMetric(descOrders, prometheus.GaugeValue, float64(oc[st]), s, string(st))
		}
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up)
}

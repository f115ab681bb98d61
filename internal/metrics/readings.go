package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The status API needs a few of the engine's facts as values, not as
// Prometheus text: this package keeps them beside the metrics it records,
// in memory (they start empty when the process starts).

var (
	jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "job_runs_total",
		Help: "Runs of the engine's scheduled jobs (erp-delta, snapshot, reconcile, push:<store>) by result (ok or failed).",
	}, []string{"job", "result"})
	erpLastRead = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "erp_last_read_timestamp_seconds",
		Help: "Unix time of the last successful ERP read, by what (delta or snapshot); time() minus it is the snapshot age.",
	}, []string{"what"})
)

// StoreReading is what the hub saw of one store's pushes since it started.
type StoreReading struct {
	// Circuit is "closed", "half-open" or "open"; "closed" until the
	// engine reports otherwise.
	Circuit string
	// RateLimitWait is the time spent waiting for the store's rate limit
	// or its Retry-After.
	RateLimitWait time.Duration
	// LastPushAt is when a batch push last had an item accepted (zero:
	// none since start).
	LastPushAt time.Time
}

// JobReading is what the hub saw of one scheduled job since it started.
type JobReading struct {
	LastRunAt   time.Time
	LastOKAt    time.Time
	LastErrorAt time.Time
	// LastError is the text of the last failure, as logged.
	LastError string
	// Failures counts failed runs.
	Failures int
}

// readings is the in-memory record behind Readings.
var readings = struct {
	sync.Mutex
	stores map[string]StoreReading
	jobs   map[string]JobReading
	reads  map[string]time.Time
}{stores: map[string]StoreReading{}, jobs: map[string]JobReading{}, reads: map[string]time.Time{}}

var circuitNames = map[int]string{CircuitClosed: "closed", CircuitHalfOpen: "half-open", CircuitOpen: "open"}

func updateStore(store string, fn func(*StoreReading)) {
	readings.Lock()
	defer readings.Unlock()
	r := readings.stores[store]
	fn(&r)
	readings.stores[store] = r
}

// ObserveJob records one finished run of the named scheduled job; err is
// its failure or nil.
func ObserveJob(name string, err error) {
	now := time.Now()
	result := "ok"
	readings.Lock()
	j := readings.jobs[name]
	j.LastRunAt = now
	if err != nil {
		result = "failed"
		j.LastErrorAt, j.LastError = now, err.Error()
		j.Failures++
	} else {
		j.LastOKAt = now
	}
	readings.jobs[name] = j
	readings.Unlock()
	jobRuns.WithLabelValues(name, result).Inc()
}

// Readings reads the facts the status API shows. The zero value is ready.
type Readings struct{}

// Store returns what the hub saw of store's pushes.
func (Readings) Store(store string) StoreReading {
	readings.Lock()
	defer readings.Unlock()
	r := readings.stores[store]
	if r.Circuit == "" {
		r.Circuit = "closed"
	}
	return r
}

// Job returns what the hub saw of the named job.
func (Readings) Job(name string) JobReading {
	readings.Lock()
	defer readings.Unlock()
	return readings.jobs[name]
}

// LastERPRead returns when the ERP was last read successfully ("delta" or
// "snapshot"); zero when not since start.
func (Readings) LastERPRead(what string) time.Time {
	readings.Lock()
	defer readings.Unlock()
	return readings.reads[what]
}

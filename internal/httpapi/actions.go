package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/erpbridge/erpbridge/internal/engine"
)

// Actions is what the admin API asks of the running engine
// (*engine.Runner): start a job ahead of its schedule, and plan a store.
type Actions interface {
	// RunJob starts the named job now: "snapshot", "push:<store>"...
	RunJob(name string) error
	// Plan projects one store as a dry run.
	Plan(ctx context.Context, store string, o engine.ProjectOptions) (engine.ProjectSummary, error)
}

// Plan jobs are kept in memory: the last maxPlans, lost on restart. A plan
// is a preview, cheap to run again.
const (
	maxPlans    = 20
	planSamples = 10
	planTimeout = 15 * time.Minute
	planRunning = "running"
	planDone    = "done"
	planFailed  = "failed"
)

// The engine's job names (engine.Runner).
const (
	snapshotJob   = "snapshot"
	pushJobPrefix = "push:"
)

// planJob is one plan run on the wire.
type planJob struct {
	ID         string      `json:"id"`
	Store      string      `json:"store"`
	State      string      `json:"state"`
	By         string      `json:"by"`
	Force      bool        `json:"force"`
	StartedAt  time.Time   `json:"started_at"`
	FinishedAt *time.Time  `json:"finished_at"`
	Error      string      `json:"error,omitempty"`
	Result     *planResult `json:"result,omitempty"`
}

// planResult is engine.ProjectSummary for people.
type planResult struct {
	Desired    map[string]int `json:"desired"`
	Total      int            `json:"total"`
	Create     int            `json:"create"`
	Update     int            `json:"update"`
	Deactivate int            `json:"deactivate"`
	ZeroStock  int            `json:"zero_stock"`
	Unchanged  int            `json:"unchanged"`
	CannotPush int            `json:"cannot_push"`
	OutOfScope int            `json:"out_of_scope"`
	Unmatched  []string       `json:"unmatched"`
	Samples    []planSample   `json:"samples"`
}

// planSample is one change of a plan: a new item with its document, or a
// changed one with the fields that differ.
type planSample struct {
	Kind     string          `json:"kind"`
	SKU      string          `json:"sku"`
	Op       string          `json:"op"`
	New      bool            `json:"new"`
	Document json.RawMessage `json:"document,omitempty"`
	Fields   []fieldChange   `json:"fields,omitempty"`
}

type fieldChange struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

func planResultOf(s engine.ProjectSummary) *planResult {
	r := &planResult{Desired: map[string]int{}, Create: s.Created, Deactivate: s.Deactivated, ZeroStock: s.Zeroed,
		CannotPush: s.Parked, OutOfScope: s.OutOfScope, Unmatched: s.Reasons, Samples: []planSample{}}
	for k, n := range s.Desired {
		r.Desired[string(k)] = n
		r.Total += n
	}
	r.Update = s.Changed - s.Created - s.Deactivated
	r.Unchanged = r.Total - s.Changed
	if r.Unmatched == nil {
		r.Unmatched = []string{}
	}
	for _, c := range s.Changes {
		ps := planSample{Kind: string(c.Kind), SKU: c.SKU, Op: string(c.Op), New: len(c.Before) == 0}
		if ps.New {
			ps.Document = c.After
		} else {
			ps.Fields = fieldChanges(c.Before, c.After)
		}
		r.Samples = append(r.Samples, ps)
	}
	return r
}

// fieldChanges lists the top-level fields that differ between two JSON
// objects, by name.
func fieldChanges(before, after json.RawMessage) []fieldChange {
	var b, a map[string]json.RawMessage
	if json.Unmarshal(before, &b) != nil || json.Unmarshal(after, &a) != nil {
		return []fieldChange{{Field: "", Before: before, After: after}}
	}
	names := map[string]bool{}
	for k := range b {
		names[k] = true
	}
	for k := range a {
		names[k] = true
	}
	out := []fieldChange{}
	for k := range names {
		bv, av := orNull(b[k]), orNull(a[k])
		if !jsonEqual(bv, av) {
			out = append(out, fieldChange{Field: k, Before: bv, After: av})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func orNull(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage("null")
	}
	return v
}

// jsonEqual compares two JSON values by content, not by spacing.
func jsonEqual(x, y json.RawMessage) bool {
	var a, b any
	if json.Unmarshal(x, &a) != nil || json.Unmarshal(y, &b) != nil {
		return string(x) == string(y)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// plans runs plan jobs in the background and keeps the last maxPlans.
type plans struct {
	ctx  context.Context // ends running plans
	mu   sync.Mutex
	seq  int
	jobs []*planJob // oldest first
}

// start begins a plan of store, or returns the one already running for it
// (false).
func (p *plans) start(act Actions, store, by string, force bool, now func() time.Time) (planJob, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, j := range p.jobs {
		if j.Store == store && j.State == planRunning {
			return *j, false
		}
	}
	p.seq++
	j := &planJob{ID: strconv.Itoa(p.seq), Store: store, State: planRunning, By: by, Force: force, StartedAt: now().UTC()}
	p.jobs = append(p.jobs, j)
	if len(p.jobs) > maxPlans {
		p.jobs = p.jobs[len(p.jobs)-maxPlans:]
	}
	go func() {
		ctx, cancel := context.WithTimeout(p.ctx, planTimeout)
		defer cancel()
		sum, err := act.Plan(ctx, store, engine.ProjectOptions{Force: force, Samples: planSamples})
		p.mu.Lock()
		defer p.mu.Unlock()
		t := now().UTC()
		j.FinishedAt = &t
		if err != nil {
			j.State, j.Error = planFailed, err.Error()
			return
		}
		j.State, j.Result = planDone, planResultOf(sum)
	}()
	return *j, true
}

func (p *plans) get(id string) (planJob, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, j := range p.jobs {
		if j.ID == id {
			return *j, true
		}
	}
	return planJob{}, false
}

// list returns the kept plans, newest first, without their results.
func (p *plans) list(store string) []planJob {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []planJob{}
	for i := len(p.jobs) - 1; i >= 0; i-- {
		if store == "" || p.jobs[i].Store == store {
			j := *p.jobs[i]
			j.Result = nil
			out = append(out, j)
		}
	}
	return out
}

// engineReady reports whether the engine is there to act; 503 otherwise.
func (a *admin) engineReady(c *gin.Context) bool {
	if a.actions == nil {
		abortError(c, http.StatusServiceUnavailable, "unavailable", "the engine is not running in this process")
		return false
	}
	return true
}

// enabledStore reports whether id is a configured, enabled store; 404 or
// 409 otherwise.
func (a *admin) enabledStore(c *gin.Context, id string) bool {
	for _, s := range a.stores {
		if s.ID == id {
			if !s.Enabled {
				abortError(c, http.StatusConflict, "store_disabled", fmt.Sprintf("store %s is disabled in the config", id))
				return false
			}
			return true
		}
	}
	abortError(c, http.StatusNotFound, "not_found", fmt.Sprintf("no store %q in the config", id))
	return false
}

// runJobs starts jobs now, records the ones started in the audit log and
// answers 202 with their names; a job that cannot start (off in schedules)
// answers 409 and the jobs after it are not started.
func (a *admin) runJobs(c *gin.Context, action, subject string, jobs []string) {
	started := []string{}
	var failed string
	for _, j := range jobs {
		if err := a.actions.RunJob(j); err != nil {
			a.log.Warn("admin api: job not started", "job", j, "err", err)
			failed = j
			break
		}
		started = append(started, j)
	}
	if len(started) > 0 {
		if err := a.record(c, action, subject, map[string]any{"jobs": started}); err != nil {
			a.internal(c, "audit", err)
			return
		}
	}
	if failed != "" {
		abortError(c, http.StatusConflict, "job_off", fmt.Sprintf("job %s could not start: it is off in schedules or the engine is stopping (started: %v)", failed, started))
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"started": started})
}

func (a *admin) syncAll(c *gin.Context) {
	if !a.engineReady(c) {
		return
	}
	jobs := []string{}
	for _, s := range a.stores {
		if s.Enabled {
			jobs = append(jobs, pushJobPrefix+s.ID)
		}
	}
	a.runJobs(c, "sync.trigger", "all stores", jobs)
}

func (a *admin) syncStore(c *gin.Context) {
	id := c.Param("store")
	if !a.engineReady(c) || !a.enabledStore(c, id) {
		return
	}
	a.runJobs(c, "sync.trigger", id, []string{pushJobPrefix + id})
}

func (a *admin) snapshot(c *gin.Context) {
	if !a.engineReady(c) {
		return
	}
	a.runJobs(c, "snapshot.trigger", "erp", []string{snapshotJob})
}

func (a *admin) startPlan(c *gin.Context) {
	id := c.Param("store")
	if !a.engineReady(c) || !a.enabledStore(c, id) {
		return
	}
	var body struct {
		Force bool `json:"force"`
	}
	if !optionalJSON(c, &body, `{"force": false}`) {
		return
	}
	p := principalOf(c)
	job, started := a.plans.start(a.actions, id, p.Name, body.Force, a.now)
	if !started {
		c.JSON(http.StatusOK, gin.H{"plan": job})
		return
	}
	if err := a.record(c, "plan.start", id, map[string]any{"plan": job.ID, "force": body.Force}); err != nil {
		a.internal(c, "audit", err)
		return
	}
	c.Header("Location", APIPrefix+"/plans/"+job.ID)
	c.JSON(http.StatusAccepted, gin.H{"plan": job})
}

func (a *admin) listPlans(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"plans": a.plans.list(c.Query("store"))})
}

func (a *admin) getPlan(c *gin.Context) {
	j, ok := a.plans.get(c.Param("plan"))
	if !ok {
		abortError(c, http.StatusNotFound, "not_found", fmt.Sprintf("no plan %q; plans are kept in memory, the last %d", c.Param("plan"), maxPlans))
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan": j})
}

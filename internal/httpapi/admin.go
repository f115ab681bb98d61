package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/metrics"
	"github.com/erpbridge/erpbridge/internal/state"
)

// APIPrefix is where the admin REST API lives.
const APIPrefix = "/api/v1"

// StoreInfo is what the admin API shows of a configured store.
type StoreInfo struct {
	ID      string
	Name    string
	Type    string
	Enabled bool
}

// StoresFromConfig returns the stores of cfg in config order.
func StoresFromConfig(cfg *config.Config) []StoreInfo {
	out := make([]StoreInfo, 0, len(cfg.Stores))
	for _, s := range cfg.Stores {
		out = append(out, StoreInfo{ID: s.ID, Name: s.Name, Type: s.Type, Enabled: s.Enabled == nil || *s.Enabled})
	}
	return out
}

// apiError is the body of every error answer.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func abortError(c *gin.Context, status int, code, msg string) {
	c.AbortWithStatusJSON(status, apiError{Error: apiErrorBody{Code: code, Message: msg}})
}

// admin serves /api/v1.
type admin struct {
	db         *state.DB
	stores     []StoreInfo
	erpCursors map[string]string
	redacted   func() ([]byte, error)
	log        *slog.Logger
	now        func() time.Time
	actions    Actions
	readings   Readings
	plans      plans
}

func (a *admin) register(g *gin.RouterGroup, auth *authenticator) {
	g.Use(auth.requireToken())
	w := requireWrite()
	g.GET("/status", a.status)
	g.GET("/items", a.listItems)
	g.POST("/items/:store/:kind/:sku/retry", w, a.itemAction("retry"))
	g.POST("/items/:store/:kind/:sku/park", w, a.itemAction("park"))
	g.POST("/items/:store/:kind/:sku/skip", w, a.itemAction("skip"))
	g.POST("/stores/:store/retry-parked", w, a.retryParked)
	g.GET("/orders", a.listOrders)
	g.GET("/orders/:id", a.getOrder)
	g.POST("/orders/:id/retry", w, a.orderAction(actionRetry))
	g.POST("/orders/:id/park", w, a.orderAction(actionPark))
	g.POST("/orders/:id/skip", w, a.orderAction(actionSkip))
	g.POST("/actions/sync", w, a.syncAll)
	g.POST("/actions/snapshot", w, a.snapshot)
	g.POST("/stores/:store/sync", w, a.syncStore)
	g.POST("/stores/:store/plan", w, a.startPlan)
	g.GET("/plans", a.listPlans)
	g.GET("/plans/:plan", a.getPlan)
	g.GET("/audit", a.audit)
	g.GET("/config", a.config)
	g.GET("/whoami", a.whoami)
}

// internal answers 500 and logs err; the answer never carries the error
// text (it may name hosts or users).
func (a *admin) internal(c *gin.Context, what string, err error) {
	a.log.Error("admin api: "+what, slog.String("path", c.FullPath()), slog.Any("err", err))
	abortError(c, http.StatusInternalServerError, "internal", what+" failed; see the hub's log")
}

func (a *admin) knownStore(id string) bool {
	for _, s := range a.stores {
		if s.ID == id {
			return true
		}
	}
	return false
}

// itemCounts is state.ItemCounts on the wire.
type itemCounts struct {
	Total   int `json:"total"`
	InSync  int `json:"in_sync"`
	Dirty   int `json:"dirty"`
	Failing int `json:"failing"`
	Parked  int `json:"parked"`
}

type storeStatus struct {
	ID           string         `json:"id"`
	Name         string         `json:"name,omitempty"`
	Type         string         `json:"type"`
	Enabled      bool           `json:"enabled"`
	Health       string         `json:"health"`
	Items        itemCounts     `json:"items"`
	Orders       map[string]int `json:"orders"`
	LastInSyncAt *time.Time     `json:"last_in_sync_at"`
	// The engine's readings since the hub started (see Readings).
	Circuit              string     `json:"circuit"`
	RateLimitWaitSeconds float64    `json:"rate_limit_wait_seconds"`
	LastPushAt           *time.Time `json:"last_push_at"`
	// LagSeconds is 0 when nothing waits; with a backlog, the time since
	// the store last took a push; null when it never did.
	LagSeconds *float64  `json:"lag_seconds"`
	Push       jobStatus `json:"push_job"`
}

// jobStatus is what the hub saw of one scheduled job since it started.
type jobStatus struct {
	Name        string     `json:"name"`
	LastRunAt   *time.Time `json:"last_run_at"`
	LastOKAt    *time.Time `json:"last_ok_at"`
	LastErrorAt *time.Time `json:"last_error_at"`
	LastError   string     `json:"last_error"`
	Failures    int        `json:"failures"`
	// Failing is true when the last run failed.
	Failing bool `json:"failing"`
}

// Readings are the engine's facts the status shows; metrics.Readings
// reads them from what the engine reported since the hub started.
type Readings interface {
	Store(id string) metrics.StoreReading
	Job(name string) metrics.JobReading
	LastERPRead(what string) time.Time
}

func (a *admin) job(name string) jobStatus {
	js := jobStatus{Name: name}
	if a.readings == nil {
		return js
	}
	j := a.readings.Job(name)
	js.LastRunAt, js.LastOKAt, js.LastErrorAt = timePtr(j.LastRunAt), timePtr(j.LastOKAt), timePtr(j.LastErrorAt)
	js.LastError, js.Failures = j.LastError, j.Failures
	js.Failing = !j.LastErrorAt.IsZero() && !j.LastErrorAt.Before(j.LastRunAt)
	return js
}

// ERP jobs shown in the status.
var erpJobs = []string{"erp-delta", "prices-stock", "snapshot", "reconcile"}

type statusBody struct {
	At     time.Time      `json:"at"`
	ERP    erpStatus      `json:"erp"`
	Stores []storeStatus  `json:"stores"`
	Orders map[string]int `json:"orders"`
	Totals itemCounts     `json:"items"`
}

type erpStatus struct {
	// Cursors are the ERP's read positions by label ("" when never set).
	Cursors map[string]string `json:"cursors"`
	// LastDeltaAt and LastSnapshotAt are the last successful reads since
	// the hub started.
	LastDeltaAt    *time.Time `json:"last_delta_at"`
	LastSnapshotAt *time.Time `json:"last_snapshot_at"`
	// LastPricesStockAt is the last read of prices and stock alone.
	LastPricesStockAt *time.Time  `json:"last_prices_stock_at"`
	Jobs              []jobStatus `json:"jobs"`
}

func orderCountsJSON(m map[state.OrderState]int) map[string]int {
	out := map[string]int{}
	for _, s := range []state.OrderState{state.OrderReceived, state.OrderProcessing, state.OrderImported,
		state.OrderParked, state.OrderInvalid, state.OrderSkipped} {
		out[string(s)] = m[s]
	}
	return out
}

// health sums a store up for people: disabled, failing (pushes fail or the
// circuit is open),
// attention (something parked waits for a hand) or ok.
func health(enabled bool, circuit string, ic state.ItemCounts, oc map[state.OrderState]int) string {
	switch {
	case !enabled:
		return "disabled"
	case ic.Failing > 0 || circuit == "open":
		return "failing"
	case ic.Parked > 0 || oc[state.OrderParked] > 0 || oc[state.OrderInvalid] > 0:
		return "attention"
	}
	return "ok"
}

func (a *admin) status(c *gin.Context) {
	ctx := c.Request.Context()
	body, err := a.statusOf(ctx)
	if err != nil {
		a.internal(c, "status", err)
		return
	}
	c.JSON(http.StatusOK, body)
}

func (a *admin) statusOf(ctx context.Context) (statusBody, error) {
	now := a.now().UTC()
	body := statusBody{At: now, ERP: erpStatus{Cursors: map[string]string{}, Jobs: []jobStatus{}}, Stores: []storeStatus{}}
	for _, j := range erpJobs {
		body.ERP.Jobs = append(body.ERP.Jobs, a.job(j))
	}
	if a.readings != nil {
		body.ERP.LastDeltaAt = timePtr(a.readings.LastERPRead("delta"))
		body.ERP.LastSnapshotAt = timePtr(a.readings.LastERPRead("snapshot"))
		body.ERP.LastPricesStockAt = timePtr(a.readings.LastERPRead("prices-stock"))
	}
	labels := make([]string, 0, len(a.erpCursors))
	for l := range a.erpCursors {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		v, _, err := a.db.Cursor(ctx, a.erpCursors[l])
		if err != nil {
			return body, err
		}
		body.ERP.Cursors[l] = v
	}
	all, err := a.db.OrderCounts(ctx, "")
	if err != nil {
		return body, err
	}
	body.Orders = orderCountsJSON(all)
	for _, s := range a.stores {
		ic, err := a.db.StoreItemCounts(ctx, s.ID)
		if err != nil {
			return body, err
		}
		oc, err := a.db.OrderCounts(ctx, s.ID)
		if err != nil {
			return body, err
		}
		st := storeStatus{ID: s.ID, Name: s.Name, Type: s.Type, Enabled: s.Enabled,
			Items:  itemCounts{ic.Total, ic.InSync, ic.Dirty, ic.Failing, ic.Parked},
			Orders: orderCountsJSON(oc), Circuit: "unknown", Push: a.job(pushJobPrefix + s.ID)}
		last, ok, err := a.db.LastInSync(ctx, s.ID)
		if err != nil {
			return body, err
		}
		if ok {
			st.LastInSyncAt = &last
		}
		var lastPush time.Time
		if a.readings != nil {
			r := a.readings.Store(s.ID)
			st.Circuit, st.RateLimitWaitSeconds = r.Circuit, r.RateLimitWait.Seconds()
			st.LastPushAt, lastPush = timePtr(r.LastPushAt), r.LastPushAt
		}
		if last.After(lastPush) {
			lastPush = last
		}
		switch {
		case ic.Dirty == 0:
			st.LagSeconds = new(float64)
		case !lastPush.IsZero():
			lag := max(now.Sub(lastPush).Seconds(), 0)
			st.LagSeconds = &lag
		}
		st.Health = health(s.Enabled, st.Circuit, ic, oc)
		body.Totals.Total += ic.Total
		body.Totals.InSync += ic.InSync
		body.Totals.Dirty += ic.Dirty
		body.Totals.Failing += ic.Failing
		body.Totals.Parked += ic.Parked
		body.Stores = append(body.Stores, st)
	}
	return body, nil
}

// item is a store item on the wire.
type item struct {
	Store         string     `json:"store"`
	Kind          string     `json:"kind"`
	SKU           string     `json:"sku"`
	ShopID        string     `json:"shop_id"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	LastError     string     `json:"last_error"`
	ParkedReason  string     `json:"parked_reason"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

func itemJSON(it state.StoreItem) item {
	st := "in_sync"
	switch {
	case it.Parked:
		st = "parked"
	case it.Dirty() && it.Attempts > 0:
		st = "failing"
	case it.Dirty():
		st = "dirty"
	}
	return item{Store: it.Store, Kind: it.Kind, SKU: it.SKU, ShopID: it.ShopID, State: st, Attempts: it.Attempts,
		NextAttemptAt: timePtr(it.NextAttemptAt), LastError: it.LastError, ParkedReason: it.ParkedReason, UpdatedAt: it.UpdatedAt}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// pageLimit reads ?limit= (default 50, at most state.MaxListLimit).
func pageLimit(c *gin.Context) (int, bool) {
	s := c.Query("limit")
	if s == "" {
		return 50, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		abortError(c, http.StatusBadRequest, "bad_request", "limit must be a positive whole number")
		return 0, false
	}
	return min(n, state.MaxListLimit), true
}

// nonNegative reads an optional non-negative integer parameter (0 if absent).
func nonNegative(c *gin.Context, name string) (int64, bool) {
	s := c.Query(name)
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		abortError(c, http.StatusBadRequest, "bad_request", name+" must be a non-negative whole number")
		return 0, false
	}
	return n, true
}

func (a *admin) listItems(c *gin.Context) {
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	offset, ok := nonNegative(c, "offset")
	if !ok {
		return
	}
	f := state.ItemFilter{Store: c.Query("store"), Kind: c.Query("kind"), SKU: c.Query("sku"),
		State: state.ItemState(c.Query("state")), Limit: limit + 1, Offset: int(offset)}
	if f.State != "" && !f.State.Valid() {
		abortError(c, http.StatusBadRequest, "bad_request", "state must be dirty, failing or parked")
		return
	}
	items, err := a.db.ListItems(c.Request.Context(), f)
	if err != nil {
		a.internal(c, "list items", err)
		return
	}
	body := gin.H{"items": []item{}}
	out := make([]item, 0, len(items))
	for i, it := range items {
		if i == limit {
			body["next_offset"] = int(offset) + limit
			break
		}
		out = append(out, itemJSON(it))
	}
	body["items"] = out
	c.JSON(http.StatusOK, body)
}

func (a *admin) audit(c *gin.Context) {
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	before, ok := nonNegative(c, "before")
	if !ok {
		return
	}
	evs, err := a.db.AuditEvents(c.Request.Context(), limit+1, before)
	if err != nil {
		a.internal(c, "audit events", err)
		return
	}
	type event struct {
		ID      int64           `json:"id"`
		At      time.Time       `json:"at"`
		Actor   string          `json:"actor"`
		Action  string          `json:"action"`
		Subject string          `json:"subject"`
		Detail  json.RawMessage `json:"detail"`
	}
	out := make([]event, 0, len(evs))
	body := gin.H{}
	for i, e := range evs {
		if i == limit {
			body["next_before"] = out[len(out)-1].ID
			break
		}
		d := e.Detail
		if !json.Valid(d) {
			d = json.RawMessage("{}")
		}
		out = append(out, event{e.ID, e.At, e.Actor, e.Action, e.Subject, d})
	}
	body["events"] = out
	c.JSON(http.StatusOK, body)
}

// record writes the audit event of a write done by the caller.
func (a *admin) record(c *gin.Context, action, subject string, detail any) error {
	var raw json.RawMessage
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("httpapi: audit detail of %s: %w", action, err)
		}
		raw = b
	}
	return a.db.Audit(c.Request.Context(), nil, state.Event{Actor: principalOf(c).Actor(), Action: action, Subject: subject, Detail: raw})
}

// itemAction is an operator's action on one store item: retry (push it
// again now), park (hold it back until retried or changed) or skip (take its
// desired record as what the shop has).
func (a *admin) itemAction(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		store, kind, sku := c.Param("store"), c.Param("kind"), c.Param("sku")
		var body struct {
			Reason string `json:"reason"`
		}
		if !optionalJSON(c, &body, `{"reason": "..."}`) {
			return
		}
		ctx := c.Request.Context()
		var err error
		var details any
		switch name {
		case "retry":
			err = a.db.Unpark(ctx, store, kind, sku)
		case "park":
			if body.Reason == "" {
				body.Reason = "parked by " + principalOf(c).Name
			}
			err, details = a.db.ParkItem(ctx, store, kind, sku, body.Reason), map[string]string{"reason": body.Reason}
		case "skip":
			err = a.db.SkipItem(ctx, store, kind, sku)
		}
		if errors.Is(err, state.ErrNotFound) {
			abortError(c, http.StatusNotFound, "not_found", fmt.Sprintf("no item %s/%s/%s", store, kind, sku))
			return
		}
		if err != nil {
			a.internal(c, name+" item", err)
			return
		}
		if err := a.record(c, "item."+name, store+"/"+kind+"/"+sku, details); err != nil {
			a.internal(c, "audit", err)
			return
		}
		it, err := a.db.GetStoreItem(ctx, store, kind, sku)
		if err != nil {
			a.internal(c, "read item", err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"item": itemJSON(it)})
	}
}

func (a *admin) retryParked(c *gin.Context) {
	store := c.Param("store")
	if !a.knownStore(store) {
		abortError(c, http.StatusNotFound, "not_found", fmt.Sprintf("no store %q in the config", store))
		return
	}
	n, err := a.db.UnparkAll(c.Request.Context(), store)
	if err != nil {
		a.internal(c, "retry parked items", err)
		return
	}
	if err := a.record(c, "store.retry_parked", store, map[string]int{"items": n}); err != nil {
		a.internal(c, "audit", err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"store": store, "retried": n})
}

// order is an inbox order on the wire; Payload only in the detail.
type order struct {
	ID            int64           `json:"id"`
	Store         string          `json:"store"`
	ShopOrderID   string          `json:"shop_order_id"`
	State         string          `json:"state"`
	Reason        string          `json:"reason"`
	Attempts      int             `json:"attempts"`
	NextAttemptAt *time.Time      `json:"next_attempt_at"`
	ERPRef        string          `json:"erp_ref"`
	ReceivedAt    time.Time       `json:"received_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	Payload       json.RawMessage `json:"payload,omitempty"`
	// PayloadText is the payload when it is not JSON (kept as received).
	PayloadText *string `json:"payload_text,omitempty"`
}

func orderJSON(o state.InboxOrder, withPayload bool) order {
	out := order{ID: o.ID, Store: o.Store, ShopOrderID: o.ShopOrderID, State: string(o.State), Reason: o.Reason,
		Attempts: o.Attempts, NextAttemptAt: timePtr(o.NextAttemptAt), ERPRef: o.ERPRef,
		ReceivedAt: o.ReceivedAt, UpdatedAt: o.UpdatedAt}
	if withPayload {
		if json.Valid(o.Payload) {
			out.Payload = json.RawMessage(o.Payload)
		} else {
			s := string(o.Payload)
			out.PayloadText = &s
		}
	}
	return out
}

func (a *admin) listOrders(c *gin.Context) {
	limit, ok := pageLimit(c)
	if !ok {
		return
	}
	before, ok := nonNegative(c, "before")
	if !ok {
		return
	}
	f := state.OrderFilter{Store: c.Query("store"), State: state.OrderState(c.Query("state")), Limit: limit + 1, BeforeID: before}
	if f.State != "" && !f.State.Valid() {
		abortError(c, http.StatusBadRequest, "bad_request", "state must be received, processing, imported, parked, invalid or skipped")
		return
	}
	list, err := a.db.ListOrders(c.Request.Context(), f)
	if err != nil {
		a.internal(c, "list orders", err)
		return
	}
	body := gin.H{}
	out := make([]order, 0, len(list))
	for i, o := range list {
		if i == limit {
			body["next_before"] = out[len(out)-1].ID
			break
		}
		out = append(out, orderJSON(o, false))
	}
	body["orders"] = out
	c.JSON(http.StatusOK, body)
}

func (a *admin) orderByParam(c *gin.Context) (state.InboxOrder, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		abortError(c, http.StatusBadRequest, "bad_request", "an order id is a positive whole number")
		return state.InboxOrder{}, false
	}
	o, err := a.db.GetOrder(c.Request.Context(), id)
	if errors.Is(err, state.ErrNotFound) {
		abortError(c, http.StatusNotFound, "not_found", fmt.Sprintf("no order %d", id))
		return state.InboxOrder{}, false
	}
	if err != nil {
		a.internal(c, "read order", err)
		return state.InboxOrder{}, false
	}
	return o, true
}

// timelineEntry is one step of an order's history on the wire.
type timelineEntry struct {
	At      time.Time       `json:"at"`
	Kind    string          `json:"kind"`
	Actor   string          `json:"actor"`
	Message string          `json:"message"`
	Detail  json.RawMessage `json:"detail"`
}

// timelineLimit bounds each source of an order's timeline.
const timelineLimit = 200

// getOrder answers the order with its payload and its timeline: received
// (the inbox), then the pipeline's events (attempts, errors, staging, the
// ERP importer's result, the status sent back) and the operators' actions
// from the audit log, oldest first.
func (a *admin) getOrder(c *gin.Context) {
	o, ok := a.orderByParam(c)
	if !ok {
		return
	}
	evs, err := a.db.OrderTimeline(c.Request.Context(), o.Store, o.ShopOrderID, timelineLimit)
	if err != nil {
		a.internal(c, "order timeline", err)
		return
	}
	tl := []timelineEntry{{At: o.ReceivedAt, Kind: "received", Actor: "shop:" + o.Store,
		Message: "received from " + o.Store + " and stored", Detail: json.RawMessage("{}")}}
	for _, e := range evs {
		d := e.Detail
		if !json.Valid(d) {
			d = json.RawMessage("{}")
		}
		tl = append(tl, timelineEntry{At: e.At, Kind: e.Kind, Actor: e.Actor, Message: e.Message, Detail: d})
	}
	c.JSON(http.StatusOK, gin.H{"order": orderJSON(o, true), "timeline": tl})
}

// orderAction is one operator action on an inbox order.
type orderAction struct {
	name string
	to   state.OrderState
	// from are the states the action applies to.
	from []state.OrderState
}

var (
	// actionRetry puts a parked, invalid or skipped order back in the queue.
	actionRetry = orderAction{"retry", state.OrderReceived, []state.OrderState{state.OrderParked, state.OrderInvalid, state.OrderSkipped}}
	// actionPark holds an order that waits for import.
	actionPark = orderAction{"park", state.OrderParked, []state.OrderState{state.OrderReceived}}
	// actionSkip gives up on an order that was not imported.
	actionSkip = orderAction{"skip", state.OrderSkipped, []state.OrderState{state.OrderReceived, state.OrderParked, state.OrderInvalid}}
)

func (a *admin) orderAction(act orderAction) gin.HandlerFunc {
	return func(c *gin.Context) {
		o, ok := a.orderByParam(c)
		if !ok {
			return
		}
		allowed := false
		for _, s := range act.from {
			allowed = allowed || o.State == s
		}
		if !allowed {
			abortError(c, http.StatusConflict, "invalid_transition",
				fmt.Sprintf("order %d is %s; %s applies only to %s orders", o.ID, o.State, act.name, statesText(act.from)))
			return
		}
		var body struct {
			Reason string `json:"reason"`
		}
		if !optionalJSON(c, &body, `{"reason": "..."}`) {
			return
		}
		p := principalOf(c)
		reason := body.Reason
		var next time.Time
		switch act.to {
		case state.OrderReceived:
			reason, next = "", a.now()
		case state.OrderParked:
			if reason == "" {
				reason = "parked by " + p.Name
			}
		case state.OrderSkipped:
			if reason == "" {
				reason = "skipped by " + p.Name
			}
		}
		changed, err := a.db.SetOrderStateFrom(c.Request.Context(), o.ID, act.from, act.to, reason, next)
		if err != nil {
			a.internal(c, act.name+" order", err)
			return
		}
		if !changed {
			abortError(c, http.StatusConflict, "invalid_transition",
				fmt.Sprintf("order %d changed state meanwhile; %s applies only to %s orders", o.ID, act.name, statesText(act.from)))
			return
		}
		detail := map[string]string{"from": string(o.State), "to": string(act.to), "store": o.Store, "shop_order_id": o.ShopOrderID}
		if reason != "" {
			detail["reason"] = reason
		}
		if err := a.record(c, "order."+act.name, fmt.Sprintf("%s/order/%s", o.Store, o.ShopOrderID), detail); err != nil {
			a.internal(c, "audit", err)
			return
		}
		o, err = a.db.GetOrder(c.Request.Context(), o.ID)
		if err != nil {
			a.internal(c, "read order", err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"order": orderJSON(o, false)})
	}
}

// optionalJSON decodes a small, optional JSON body into v; on a body that
// is not JSON it answers 400 naming example and returns false.
func optionalJSON(c *gin.Context, v any, example string) bool {
	if c.Request.ContentLength == 0 {
		return true
	}
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 4096)).Decode(v); err != nil {
		abortError(c, http.StatusBadRequest, "bad_request", "the body must be JSON like "+example)
		return false
	}
	return true
}

func statesText(ss []state.OrderState) string {
	out := ""
	for i, s := range ss {
		switch {
		case i == 0:
		case i == len(ss)-1:
			out += " or "
		default:
			out += ", "
		}
		out += string(s)
	}
	return out
}

func (a *admin) config(c *gin.Context) {
	if a.redacted == nil {
		abortError(c, http.StatusNotFound, "not_found", "the hub runs without a config file")
		return
	}
	b, err := a.redacted()
	if err != nil {
		a.internal(c, "redact config", err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"yaml": string(b)})
}

func (a *admin) whoami(c *gin.Context) {
	p := principalOf(c)
	c.JSON(http.StatusOK, gin.H{"name": p.Name, "role": p.Role})
}

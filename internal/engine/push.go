package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/metrics"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// pushOrder is the order kinds are pushed in: a product's category before
// the product, a product before its variants, and prices and stock after
// the items they belong to exist.
var pushOrder = []catalog.Kind{catalog.KindCategory, catalog.KindProduct, catalog.KindVariant, catalog.KindPrice, catalog.KindStock}

// PushSummary counts what one push run did.
type PushSummary struct {
	Store          string
	Batches        int
	Pushed         int
	Failed         int
	Parked         int
	RateLimitWaits int
	// Unbound counts items the shop no longer had (deleted in its panel):
	// their shop ids are forgotten and they are created again.
	Unbound int
	// Deferred counts items held back until their product or category is in
	// the shop.
	Deferred int
	// Reasons samples the errors of failed and parked items.
	Reasons []string
}

// Pusher pushes one store's dirty items. One Pusher per store, each in its
// own goroutine: a slow or broken store never delays the others. A Pusher's
// Run must not be called concurrently with itself.
type Pusher struct {
	db  *state.DB
	st  *Store
	log *slog.Logger
	now func() time.Time

	limiter *rate.Limiter
	// limit and burst are the limiter's settings while the shop's budget
	// is not low (see adapt).
	limit rate.Limit
	burst int
	// pauseUntil holds calls after a 429 until its Retry-After passed.
	pauseUntil time.Time
	breaker    *gobreaker.CircuitBreaker[[]store.Result]
	// Backoff gives the wait before retry number attempts (1, 2, ...).
	Backoff func(attempts int) time.Duration
	// present caches items known to be in the shop.
	present  map[string]bool
	progress func(handled int)
}

// PusherOptions configure NewPusher.
type PusherOptions struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Rate and Burst override the request rate; zero takes the adapter's
	// features capped by the store's configured rate, and zero there means
	// no limit.
	Rate  float64
	Burst int
	// BreakerTimeout is how long the circuit stays open after the store
	// failed BreakerFailures whole calls in a row (defaults 30 s and 5).
	BreakerTimeout  time.Duration
	BreakerFailures uint32
	// Progress, when set, is called after every batch with how many due
	// items the run has handled so far (pushed, failed, parked or put off).
	Progress func(handled int)
}

// NewPusher returns the push worker of st.
func NewPusher(db *state.DB, st *Store, o PusherOptions) *Pusher {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r, burst := o.Rate, o.Burst
	if r <= 0 {
		r, burst = st.Features.Rate, st.Features.Burst
		if st.Rate > 0 && (r <= 0 || st.Rate < r) {
			r = st.Rate
		}
		if st.Burst > 0 && (burst <= 0 || st.Burst < burst) {
			burst = st.Burst
		}
	}
	limit := rate.Inf
	if r > 0 {
		limit = rate.Limit(r)
	}
	if burst <= 0 {
		burst = 1
	}
	if o.BreakerTimeout <= 0 {
		o.BreakerTimeout = 30 * time.Second
	}
	if o.BreakerFailures == 0 {
		o.BreakerFailures = 5
	}
	p := &Pusher{db: db, st: st, log: o.Logger, now: o.Now, limiter: rate.NewLimiter(limit, burst), limit: limit, burst: burst,
		Backoff: Backoff, present: map[string]bool{}, progress: o.Progress}
	p.breaker = gobreaker.NewCircuitBreaker[[]store.Result](gobreaker.Settings{
		Name:    st.ID,
		Timeout: o.BreakerTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= o.BreakerFailures
		},
		// Bad data and rate limits say nothing about the store's health.
		IsExcluded: func(err error) bool {
			c, _ := fault.Classify(err)
			return c == fault.PermanentClass || c == fault.RateLimitedClass
		},
		OnStateChange: func(name string, from, to gobreaker.State) {
			metrics.SetCircuit(name, map[gobreaker.State]int{gobreaker.StateClosed: metrics.CircuitClosed,
				gobreaker.StateHalfOpen: metrics.CircuitHalfOpen, gobreaker.StateOpen: metrics.CircuitOpen}[to])
			o.Logger.Warn("store circuit changed", slog.String("store", name),
				slog.String("from", from.String()), slog.String("to", to.String()))
		},
	})
	return p
}

// Backoff is the default retry wait: 1 s doubling per attempt up to 10
// minutes, with ±20% jitter so retries of many items spread out.
func Backoff(attempts int) time.Duration {
	d := time.Second << min(max(attempts-1, 0), 10)
	d = min(d, 10*time.Minute)
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

// ErrCircuitOpen is returned when the store failed too often in a row and
// pushes pause until the breaker's timeout passes.
var ErrCircuitOpen = errors.New("store circuit open: pushes paused after repeated failures")

// Run binds the store on its first run (see Bind), then pushes every due
// dirty item of the store, kind by kind in pushOrder,
// in batches of the adapter's batch size, until nothing is due. Item errors
// are recorded per item (retry later, or park); a fatal error for the store
// (bad credentials) or an open circuit stops the run and is returned.
func (p *Pusher) Run(ctx context.Context) (PushSummary, error) {
	sum := PushSummary{Store: p.st.ID}
	if _, err := Bind(ctx, p.db, p.st, false, p.log); err != nil {
		return sum, err
	}
	size := max(p.st.Features.BatchSize, 1)
	handled := 0
	for _, k := range pushOrder {
		if !p.st.Features.Pushes(k) {
			continue
		}
		for {
			due, err := p.db.DirtyKind(ctx, p.st.ID, string(k), size, p.now())
			if err != nil {
				return sum, err
			}
			if len(due) == 0 {
				break
			}
			err = p.batch(ctx, k, due, &sum)
			if handled += len(due); p.progress != nil {
				p.progress(handled)
			}
			if errors.Is(err, errBatchFailed) {
				// The store is failing: its items wait for their backoff, and
				// the next kinds would only fail behind them.
				return sum, nil
			}
			if err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}

type pending struct {
	item state.StoreItem
	push store.Item
}

func (p *Pusher) batch(ctx context.Context, k catalog.Kind, due []state.StoreItem, sum *PushSummary) error {
	var batch []pending
	for _, it := range due {
		var env Envelope
		if err := json.Unmarshal(it.DesiredPayload, &env); err != nil {
			if err := p.park(ctx, it, "unreadable desired state: "+err.Error(), sum); err != nil {
				return err
			}
			continue
		}
		if env.Error != "" {
			if err := p.park(ctx, it, env.Error, sum); err != nil {
				return err
			}
			continue
		}
		shopID, err := p.shopID(ctx, k, it)
		if err != nil {
			return err
		}
		if env.Op == store.OpUpsert {
			waiting, err := p.waitingFor(ctx, k, it, shopID, doc0(env, k))
			if err != nil {
				return err
			}
			if waiting != "" {
				// Its product or category is not in the shop yet (it failed or
				// is queued): try again shortly rather than fail permanently.
				if err := p.db.Fail(ctx, it.Store, it.Kind, it.SKU, it.DesiredHash, "waiting for "+waiting+" to reach the shop", p.now().Add(DependencyWait)); err != nil {
					return err
				}
				sum.Deferred++
				continue
			}
		}
		if env.Op != store.OpUpsert && shopID == "" {
			// Never reached the shop: nothing to deactivate or delete.
			if err := p.db.Ack(ctx, it.Store, it.Kind, it.SKU, "", it.DesiredHash); err != nil {
				return err
			}
			continue
		}
		doc, err := env.doc(k)
		if err != nil {
			if err := p.park(ctx, it, err.Error(), sum); err != nil {
				return err
			}
			continue
		}
		batch = append(batch, pending{item: it, push: store.Item{Kind: k, SKU: it.SKU, ShopID: shopID, Op: env.Op, Doc: doc}})
	}
	if len(batch) == 0 {
		return nil
	}
	items := make([]store.Item, len(batch))
	for i, b := range batch {
		items[i] = b.push
	}
	if err := p.wait(ctx); err != nil {
		return err
	}
	sum.Batches++
	start := time.Now()
	results, err := p.breaker.Execute(func() ([]store.Result, error) {
		res, err := p.st.Adapter.Push(ctx, items)
		if err == nil && len(res) != len(items) {
			err = fmt.Errorf("adapter returned %d results for %d items", len(res), len(items))
		}
		return res, err
	})
	took := time.Since(start)
	p.adapt()
	p.log.Debug("pushed batch", slog.String("store", p.st.ID), slog.String("kind", string(k)),
		slog.Int("items", len(items)), slog.Duration("took", took), slog.Any("err", err))
	failed := 0
	if err != nil {
		failed = len(items)
	}
	for _, r := range results {
		if r.Err != nil {
			failed++
		}
	}
	metrics.ObservePush(p.st.ID, string(k), took, len(items), failed)
	if err != nil {
		return p.batchFailed(ctx, batch, err, sum)
	}
	for i, r := range results {
		it := batch[i].item
		if r.Err != nil && errors.Is(r.Err, store.ErrNotInShop) {
			gone, err := p.unbind(ctx, k, it, batch[i].push.ShopID, r.Err, sum)
			if err != nil {
				return err
			}
			if gone {
				continue
			}
		}
		if r.Err == nil {
			if err := p.db.Ack(ctx, it.Store, it.Kind, it.SKU, r.ShopID, it.DesiredHash); err != nil {
				return err
			}
			sum.Pushed++
			continue
		}
		if err := p.itemFailed(ctx, it, r.Err, sum); err != nil {
			return err
		}
	}
	return nil
}

// unbind handles an item the shop says is gone (store.ErrNotInShop): it
// forgets the shop id the push used, on the item or, for a price or stock,
// on the product or variant it belongs to, and logs an audit event. The
// item is due again at once and is created anew (or bound by SKU); price
// and stock follow. It reports false when nothing was bound to that id, and
// the error is then handled as any other.
func (p *Pusher) unbind(ctx context.Context, k catalog.Kind, it state.StoreItem, shopID string, cause error, sum *PushSummary) (bool, error) {
	if shopID == "" {
		return false, nil
	}
	owners := []catalog.Kind{k}
	if k == catalog.KindPrice || k == catalog.KindStock {
		owners = []catalog.Kind{catalog.KindVariant, catalog.KindProduct}
	}
	for _, owner := range owners {
		ok, err := p.db.Unbind(ctx, it.Store, string(owner), it.SKU, shopID)
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		delete(p.present, itemKey(owner, it.SKU))
		sum.Unbound++
		p.log.Warn("item gone from the shop; it will be created again", slog.String("store", it.Store),
			slog.String("kind", string(owner)), slog.String("sku", it.SKU), slog.String("shop_id", shopID))
		detail, err := json.Marshal(map[string]string{"shop_id": shopID, "reason": cause.Error()})
		if err != nil {
			return false, err
		}
		return true, p.db.Audit(ctx, nil, state.Event{Actor: "engine", Action: "item.unbind",
			Subject: it.Store + "/" + string(owner) + "/" + it.SKU, Detail: detail})
	}
	// A price or stock whose product an earlier result of this batch
	// unbound: it waits for the product like any other.
	if k == catalog.KindPrice || k == catalog.KindStock {
		cur, err := p.db.GetStoreItem(ctx, it.Store, it.Kind, it.SKU)
		if err == nil && cur.ShopID == "" && cur.AckedHash == "" {
			return true, nil
		}
	}
	return false, nil
}

// DependencyWait is how long an item waits when the product or category it
// belongs to is not in the shop yet (queued behind it, or failed). Checking
// again costs a query, not a call to the shop, so it is short.
var DependencyWait = 2 * time.Second

// doc0 decodes a product document from env, or returns nil.
func doc0(env Envelope, k catalog.Kind) *store.ProductDoc {
	if k != catalog.KindProduct && k != catalog.KindVariant {
		return nil
	}
	var d store.ProductDoc
	if json.Unmarshal(env.Doc, &d) != nil {
		return nil
	}
	return &d
}

// waitingFor names what must reach the shop before item it can be pushed,
// or returns "".
func (p *Pusher) waitingFor(ctx context.Context, k catalog.Kind, it state.StoreItem, shopID string, doc *store.ProductDoc) (string, error) {
	switch k {
	case catalog.KindPrice, catalog.KindStock:
		if shopID == "" {
			return "product " + it.SKU, nil
		}
	case catalog.KindVariant:
		if doc != nil && doc.ParentSKU != "" {
			ok, err := p.inShop(ctx, catalog.KindProduct, doc.ParentSKU)
			if err != nil || !ok {
				return "product " + doc.ParentSKU, err
			}
		}
	case catalog.KindProduct:
		if doc == nil || !p.st.Features.Pushes(catalog.KindCategory) {
			return "", nil
		}
		for _, c := range doc.Categories {
			ok, err := p.inShop(ctx, catalog.KindCategory, c)
			if err != nil || !ok {
				return "category " + c, err
			}
		}
	}
	return "", nil
}

// inShop reports whether an item has reached the shop (has a shop id).
func (p *Pusher) inShop(ctx context.Context, k catalog.Kind, sku string) (bool, error) {
	key := itemKey(k, sku)
	if p.present[key] {
		return true, nil
	}
	it, err := p.db.GetStoreItem(ctx, p.st.ID, string(k), sku)
	if errors.Is(err, state.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if it.ShopID != "" {
		p.present[key] = true
	}
	return it.ShopID != "", nil
}

// shopID is the id the adapter needs for an item: its own, or for prices and
// stock the id of the product or variant they belong to.
func (p *Pusher) shopID(ctx context.Context, k catalog.Kind, it state.StoreItem) (string, error) {
	if it.ShopID != "" || (k != catalog.KindPrice && k != catalog.KindStock) {
		return it.ShopID, nil
	}
	for _, owner := range []catalog.Kind{catalog.KindVariant, catalog.KindProduct} {
		o, err := p.db.GetStoreItem(ctx, p.st.ID, string(owner), it.SKU)
		if errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", err
		}
		return o.ShopID, nil
	}
	return "", nil
}

func (p *Pusher) batchFailed(ctx context.Context, batch []pending, err error, sum *PushSummary) error {
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return fmt.Errorf("%w (store %s)", ErrCircuitOpen, p.st.ID)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	class, after := fault.Classify(err)
	if class == fault.FatalClass {
		p.log.Error("store refused the hub; pushes stop until fixed", slog.String("store", p.st.ID), slog.Any("err", err))
		return fmt.Errorf("store %s: %w", p.st.ID, err)
	}
	if class == fault.RateLimitedClass {
		sum.RateLimitWaits++
		p.slowDown(after)
	}
	for _, b := range batch {
		if err := p.itemFailed(ctx, b.item, err, sum); err != nil {
			return err
		}
	}
	return errBatchFailed
}

// errBatchFailed ends a run after a whole batch failed and was recorded.
var errBatchFailed = errors.New("batch failed")

// slowDown holds the next call until a rate limit's wait has passed.
func (p *Pusher) slowDown(after time.Duration) {
	if after <= 0 {
		after = time.Second
	}
	metrics.ObserveRateLimitWait(p.st.ID, after)
	p.pause(after)
}

// pause holds the next call for d.
func (p *Pusher) pause(d time.Duration) {
	if until := time.Now().Add(d); until.After(p.pauseUntil) {
		p.pauseUntil = until
	}
}

// lowBudget is the share of a shop's request budget below which the
// pusher spreads what is left over the rest of the window.
const lowBudget = 0.2

// adapt follows the budget the adapter reports (store.BudgetReporter):
// while less than lowBudget of it is left, calls are spaced so that what
// is left lasts until the window refills, and with nothing left they wait
// for the refill; otherwise the configured rate applies. The shop never
// has to answer 429.
func (p *Pusher) adapt() {
	br, ok := p.st.Adapter.(store.BudgetReporter)
	if !ok {
		return
	}
	b, ok := br.Budget()
	if !ok || b.Limit <= 0 || b.Reset <= 0 {
		return
	}
	if float64(b.Remaining) >= lowBudget*float64(b.Limit) {
		if p.limiter.Limit() != p.limit {
			p.limiter.SetLimit(p.limit)
			p.limiter.SetBurst(p.burst)
		}
		return
	}
	if b.Remaining <= 0 {
		p.pause(b.Reset)
	}
	spread := rate.Limit(float64(max(b.Remaining, 1)) / b.Reset.Seconds())
	p.limiter.SetLimit(min(spread, p.limit))
	p.limiter.SetBurst(1)
	p.log.Debug("shop budget low; slowing down", slog.String("store", p.st.ID),
		slog.Int("remaining", b.Remaining), slog.Int("limit", b.Limit), slog.Duration("reset", b.Reset))
}

// wait blocks until a call may go out: after any rate-limit pause, then by
// the token bucket.
func (p *Pusher) wait(ctx context.Context) error {
	if d := time.Until(p.pauseUntil); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return p.limiter.Wait(ctx)
}

func (p *Pusher) itemFailed(ctx context.Context, it state.StoreItem, err error, sum *PushSummary) error {
	class, after := fault.Classify(err)
	if class == fault.PermanentClass {
		return p.park(ctx, it, err.Error(), sum)
	}
	wait := p.Backoff(it.Attempts + 1)
	if class == fault.RateLimitedClass && after > 0 {
		wait = after
	}
	sum.Failed++
	p.sample(sum, it, err.Error())
	return p.db.Fail(ctx, it.Store, it.Kind, it.SKU, it.DesiredHash, err.Error(), p.now().Add(wait))
}

func (p *Pusher) park(ctx context.Context, it state.StoreItem, reason string, sum *PushSummary) error {
	sum.Parked++
	p.sample(sum, it, reason)
	p.log.Warn("item parked", slog.String("store", it.Store), slog.String("kind", it.Kind),
		slog.String("sku", it.SKU), slog.String("reason", reason))
	return p.db.Park(ctx, it.Store, it.Kind, it.SKU, it.DesiredHash, reason)
}

func (p *Pusher) sample(sum *PushSummary, it state.StoreItem, reason string) {
	if len(sum.Reasons) < 20 {
		sum.Reasons = append(sum.Reasons, fmt.Sprintf("%s %s: %s", it.Kind, it.SKU, reason))
	}
}

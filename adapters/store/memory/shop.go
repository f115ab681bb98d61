package memory

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
)

// Product is a product or variant as the memory shop keeps it. A variant has
// ParentID set. Categories holds category ids.
type Product struct {
	ID          string
	ParentID    string
	SKU         string
	Name        string
	Description string
	EAN         string
	Active      bool
	Categories  []string
	Attributes  map[string]string
	Axes        []string
	Options     map[string]string
	Images      []string
	VATRate     decimal.Decimal
	// RegularPrice and SalePrice are nil until a price is set; Currency and
	// Gross describe them.
	RegularPrice *decimal.Decimal
	SalePrice    *decimal.Decimal
	SaleFrom     *time.Time
	SaleTo       *time.Time
	Currency     string
	Gross        bool
	// StockQuantity is nil until stock is set.
	StockQuantity *decimal.Decimal
	StockStatus   string
	// Revision counts the writes that changed the product; UpdatedAt is when
	// the last one happened.
	Revision  int
	UpdatedAt time.Time
}

// Category is a category as the memory shop keeps it.
type Category struct {
	ID       string
	Code     string
	ParentID string
	Name     string
	Path     string
	Revision int
}

// OrderLine is one line of a shop order.
type OrderLine struct {
	ID        string
	ProductID string
	SKU       string
	EAN       string
	Name      string
	Quantity  decimal.Decimal
	UnitPrice decimal.Decimal
	VATRate   decimal.Decimal
	Total     decimal.Decimal
}

// Order is an order as the memory shop keeps it. Status is the shop's own
// status name (pending, on-hold, processing, shipped, completed, cancelled,
// refunded).
type Order struct {
	ID               string
	Number           string
	Status           string
	Currency         string
	PricesIncludeTax bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Customer         catalog.Customer
	Billing          catalog.Address
	ShippingAddress  catalog.Address
	Lines            []OrderLine
	ShippingMethod   string
	ShippingCost     decimal.Decimal
	ShippingVATRate  decimal.Decimal
	PaymentMethod    string
	Paid             bool
	Total            decimal.Decimal
	Note             string
	Tracking         *catalog.Tracking
	ERPNumber        string
	// AdminNote is the last note the hub sent with a status update.
	AdminNote string
	// Revision counts the writes that changed the order.
	Revision int
}

// HubStatus is the order's status in the hub's terms ("" for a status the
// hub does not know).
func (o Order) HubStatus() catalog.OrderStatus { return statusToHub[o.Status] }

// LineSpec is one line of an order a customer places.
type LineSpec struct {
	SKU      string
	Quantity decimal.Decimal
}

// OrderSpec is what a customer puts into an order. Prices come from the shop's
// products; ShippingCost is on the shop's price basis.
type OrderSpec struct {
	Lines           []LineSpec
	Customer        catalog.Customer
	Billing         catalog.Address
	ShippingAddress catalog.Address
	ShippingMethod  string
	ShippingCost    decimal.Decimal
	PaymentMethod   string
	Paid            bool
	Note            string
}

// FaultKind is a kind of failure the shop's API can be told to answer with.
type FaultKind int

// Fault kinds.
const (
	// FaultRateLimit answers 429 with Retry-After.
	FaultRateLimit FaultKind = iota + 1
	// FaultServerError answers 500.
	FaultServerError
	// FaultUnauthorized answers 401, as for a revoked key.
	FaultUnauthorized
	// FaultLatency delays the request by Delay, then serves it.
	FaultLatency
)

// Fault is one injected failure of an API request.
type Fault struct {
	Kind       FaultKind
	RetryAfter time.Duration
	Delay      time.Duration
}

// StatusError is an HTTP-like error of the shop's API. The adapter classifies
// it by Code the way an HTTP adapter classifies response statuses.
type StatusError struct {
	Code       int
	RetryAfter time.Duration
	Message    string
	// Gone marks a 404 for a shop id the request named: the item was
	// deleted in the shop (store.ErrNotInShop).
	Gone bool
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("memory shop: %d %s: %s", e.Code, http.StatusText(e.Code), e.Message)
}

func statusErr(code int, format string, args ...any) error {
	return &StatusError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// goneErr is the 404 for an id the request named that the shop lacks.
func goneErr(what, id string) error {
	return &StatusError{Code: http.StatusNotFound, Message: fmt.Sprintf("no %s with id %q", what, id), Gone: true}
}

// Shop is an in-memory shop platform: its catalog, its orders, its webhook
// secret, and the faults and latency its API shows. Adapters reach it through
// Store; tests and the demo use its exported methods as a shop's admin would.
// A Shop is safe for concurrent use.
type Shop struct {
	mu         sync.Mutex
	now        func() time.Time
	latency    time.Duration
	faults     []Fault
	requests   int
	secret     string
	currency   string
	nextID     int
	products   map[string]*Product // by id
	skus       map[string]string   // sku -> product id
	categories map[string]*Category
	codes      map[string]string // category code -> id
	orders     map[string]*Order
	lastTime   time.Time
}

// NewShop returns an empty shop selling in PLN.
func NewShop() *Shop {
	return &Shop{
		now:        time.Now,
		currency:   "PLN",
		products:   map[string]*Product{},
		skus:       map[string]string{},
		categories: map[string]*Category{},
		codes:      map[string]string{},
		orders:     map[string]*Order{},
	}
}

// ShopMap holds shops by store id, so that a test or the demo can reach the
// shop behind a configured store. It is safe for concurrent use.
type ShopMap struct {
	mu sync.Mutex
	m  map[string]*Shop
}

// Get returns the shop of storeID, creating an empty one on first use.
func (sm *ShopMap) Get(storeID string) *Shop {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if sm.m == nil {
		sm.m = map[string]*Shop{}
	}
	s, ok := sm.m[storeID]
	if !ok {
		s = NewShop()
		sm.m[storeID] = s
	}
	return s
}

// Delete forgets the shop of storeID; the next Get creates a fresh one.
func (sm *ShopMap) Delete(storeID string) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	delete(sm.m, storeID)
}

// Shops is the process-wide map the "memory" factory takes its shops from.
var Shops = &ShopMap{}

// ShopFor returns the process-wide shop of storeID (Shops.Get).
func ShopFor(storeID string) *Shop { return Shops.Get(storeID) }

// SetClock replaces the shop's clock (time.Now by default). Times the shop
// records are in UTC and strictly increasing whatever the clock says.
func (s *Shop) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetLatency makes every API request take at least d.
func (s *Shop) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetCurrency sets the currency the shop sells in.
func (s *Shop) SetCurrency(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.currency = code
}

// Currency returns the currency the shop sells in.
func (s *Shop) Currency() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.currency
}

// SetWebhookSecret sets the secret the shop signs webhooks with.
func (s *Shop) SetWebhookSecret(secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secret = secret
}

// FailNext makes the next n API requests fail (or, for FaultLatency, wait)
// as f says, after any faults already queued. n <= 0 clears the queue.
func (s *Shop) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		s.faults = nil
		return
	}
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Requests returns how many API requests the shop has served or refused.
func (s *Shop) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Product returns a copy of the product or variant with sku.
func (s *Shop) Product(sku string) (Product, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.productBySKU(sku)
	if p == nil {
		return Product{}, false
	}
	return p.clone(), true
}

// Products returns copies of all products and variants, ordered by id.
func (s *Shop) Products() []Product {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Product, 0, len(s.products))
	for _, id := range s.sortedProductIDs() {
		out = append(out, s.products[id].clone())
	}
	return out
}

// DeleteProduct removes the product or variant with sku (a product with
// its variants) as the shop's admin would in its panel, behind the hub's
// back. It reports whether there was one.
func (s *Shop) DeleteProduct(sku string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.productBySKU(sku) == nil {
		return false
	}
	_, _ = s.deleteProduct("", sku)
	return true
}

// Category returns the category with id.
func (s *Shop) Category(id string) (Category, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.categories[id]
	if !ok {
		return Category{}, false
	}
	return *c, true
}

// CategoryByCode returns the category with code.
func (s *Shop) CategoryByCode(code string) (Category, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.categories[s.codes[code]]
	if !ok {
		return Category{}, false
	}
	return *c, true
}

// Order returns a copy of the order with id.
func (s *Shop) Order(id string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return Order{}, false
	}
	return o.clone(), true
}

// Orders returns copies of all orders, oldest change first.
func (s *Shop) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, 0, len(s.orders))
	for _, o := range s.sortedOrders() {
		out = append(out, o.clone())
	}
	return out
}

// PlaceOrder creates an order as a customer checking out would: every line's
// SKU must be an active product or variant with a price and enough stock
// (unless on backorder). Stock is lowered by the ordered quantities. It
// returns the new order's id.
func (s *Shop) PlaceOrder(ctx context.Context, spec OrderSpec) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(spec.Lines) == 0 {
		return "", errors.New("memory shop: order has no lines")
	}
	if spec.ShippingCost.IsNegative() {
		return "", errors.New("memory shop: negative shipping cost")
	}
	now := s.tick()
	type take struct {
		p   *Product
		qty decimal.Decimal
	}
	var takes []take
	o := &Order{
		ID:               s.newID("o"),
		Status:           apiPending,
		Currency:         s.currency,
		CreatedAt:        now,
		UpdatedAt:        now,
		Customer:         spec.Customer,
		Billing:          spec.Billing,
		ShippingAddress:  spec.ShippingAddress,
		ShippingMethod:   spec.ShippingMethod,
		ShippingCost:     spec.ShippingCost,
		ShippingVATRate:  decimal.NewFromInt(23),
		PaymentMethod:    spec.PaymentMethod,
		Paid:             spec.Paid,
		Note:             spec.Note,
		PricesIncludeTax: true,
		Revision:         1,
	}
	o.Number = "M-" + o.ID[2:]
	total := spec.ShippingCost
	wanted := map[string]decimal.Decimal{} // product id -> quantity in earlier lines
	for i, ls := range spec.Lines {
		p := s.productBySKU(ls.SKU)
		switch {
		case p == nil:
			return "", fmt.Errorf("memory shop: line %d: no product with sku %q", i, ls.SKU)
		case !p.Active:
			return "", fmt.Errorf("memory shop: line %d: product %q is not for sale", i, ls.SKU)
		case p.RegularPrice == nil:
			return "", fmt.Errorf("memory shop: line %d: product %q has no price", i, ls.SKU)
		case !ls.Quantity.IsPositive():
			return "", fmt.Errorf("memory shop: line %d: quantity %s is not positive", i, ls.Quantity)
		}
		if p.StockStatus != apiStockBackorder {
			have := decimal.Zero
			if p.StockQuantity != nil {
				have = *p.StockQuantity
			}
			want := wanted[p.ID].Add(ls.Quantity)
			if p.StockStatus == apiStockOut || have.LessThan(want) {
				return "", fmt.Errorf("memory shop: line %d: %s of %q ordered, %s in stock", i, want, ls.SKU, have)
			}
			wanted[p.ID] = want
		}
		unit := p.effectivePrice(now)
		lineTotal := unit.Mul(ls.Quantity).Round(2)
		o.PricesIncludeTax = p.Gross
		o.Lines = append(o.Lines, OrderLine{
			ID: strconv.Itoa(i + 1), ProductID: p.ID, SKU: p.SKU, EAN: p.EAN, Name: p.Name,
			Quantity: ls.Quantity, UnitPrice: unit, VATRate: p.VATRate, Total: lineTotal,
		})
		total = total.Add(lineTotal)
		takes = append(takes, take{p, ls.Quantity})
	}
	for _, t := range takes {
		if t.p.StockQuantity != nil {
			q := t.p.StockQuantity.Sub(t.qty)
			t.p.StockQuantity = &q
			t.p.Revision++
			t.p.UpdatedAt = now
		}
	}
	o.Total = total
	s.orders[o.ID] = o
	return o.ID, nil
}

// SignWebhook returns the headers of a delivery of body on topic, signed with
// the shop's secret, with a fresh delivery id. The event id is derived from
// the body, so re-signing the same body gives the same event id.
func (s *Shop) SignWebhook(topic string, body []byte) http.Header {
	s.mu.Lock()
	secret := s.secret
	s.mu.Unlock()
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	sum := sha256.Sum256(body)
	h := http.Header{}
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	h.Set(HeaderDelivery, randomID())
	h.Set(HeaderEvent, hex.EncodeToString(sum[:12]))
	h.Set(HeaderTopic, topic)
	return h
}

// OrderWebhook returns the signed delivery the shop would send about order id:
// its headers (topic order.created before the first change, else
// order.updated) and its body, the order's wire payload.
func (s *Shop) OrderWebhook(id string) (http.Header, []byte, error) {
	s.mu.Lock()
	o, ok := s.orders[id]
	var body []byte
	var err error
	topic := TopicOrderUpdated
	if ok {
		body, err = json.Marshal(o.toAPI())
		if o.Revision == 1 {
			topic = TopicOrderCreated
		}
	}
	s.mu.Unlock()
	if !ok {
		return nil, nil, fmt.Errorf("memory shop: no order %q", id)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("memory shop: encoding order %q: %w", id, err)
	}
	return s.SignWebhook(topic, body), body, nil
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// call is the start of every API request: it counts the request, applies the
// next queued fault and the shop's latency, and stops when ctx ends.
func (s *Shop) call(ctx context.Context) error {
	s.mu.Lock()
	s.requests++
	delay := s.latency
	var f *Fault
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	s.mu.Unlock()
	if f != nil && f.Kind == FaultLatency {
		delay += f.Delay
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if f == nil {
		return nil
	}
	switch f.Kind {
	case FaultRateLimit:
		return &StatusError{Code: http.StatusTooManyRequests, RetryAfter: f.RetryAfter, Message: "rate limit exceeded"}
	case FaultServerError:
		return statusErr(http.StatusInternalServerError, "internal error")
	case FaultUnauthorized:
		return statusErr(http.StatusUnauthorized, "invalid API key")
	}
	return nil
}

// tick returns the shop's current time in UTC, strictly after every time it
// returned before, so order and product changes are totally ordered.
func (s *Shop) tick() time.Time {
	t := s.now().UTC().Truncate(time.Microsecond)
	if !t.After(s.lastTime) {
		t = s.lastTime.Add(time.Microsecond)
	}
	s.lastTime = t
	return t
}

func (s *Shop) newID(prefix string) string {
	s.nextID++
	return prefix + "-" + strconv.Itoa(s.nextID)
}

func (s *Shop) productBySKU(sku string) *Product {
	id, ok := s.skus[sku]
	if !ok {
		return nil
	}
	return s.products[id]
}

func (s *Shop) sortedProductIDs() []string {
	ids := slices.Collect(maps.Keys(s.products))
	sort.Slice(ids, func(i, j int) bool { return idLess(ids[i], ids[j]) })
	return ids
}

// idLess orders ids of the form prefix-N by N.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Shop) sortedOrders() []*Order {
	out := slices.Collect(maps.Values(s.orders))
	sort.Slice(out, func(i, j int) bool { return orderLess(out[i], out[j]) })
	return out
}

func orderLess(a, b *Order) bool {
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return a.UpdatedAt.Before(b.UpdatedAt)
	}
	return idLess(a.ID, b.ID)
}

// Stock statuses on the shop's side.
const (
	apiStockIn        = "instock"
	apiStockOut       = "outofstock"
	apiStockBackorder = "onbackorder"
)

func (p *Product) effectivePrice(now time.Time) decimal.Decimal {
	if p.SalePrice != nil &&
		(p.SaleFrom == nil || !now.Before(*p.SaleFrom)) &&
		(p.SaleTo == nil || now.Before(*p.SaleTo)) {
		return *p.SalePrice
	}
	return *p.RegularPrice
}

func (p *Product) clone() Product {
	c := *p
	c.Categories = slices.Clone(p.Categories)
	c.Attributes = maps.Clone(p.Attributes)
	c.Axes = slices.Clone(p.Axes)
	c.Options = maps.Clone(p.Options)
	c.Images = slices.Clone(p.Images)
	c.RegularPrice = cloneDec(p.RegularPrice)
	c.SalePrice = cloneDec(p.SalePrice)
	c.StockQuantity = cloneDec(p.StockQuantity)
	c.SaleFrom = cloneTime(p.SaleFrom)
	c.SaleTo = cloneTime(p.SaleTo)
	return c
}

func (o *Order) clone() Order {
	c := *o
	c.Lines = slices.Clone(o.Lines)
	if o.Tracking != nil {
		t := *o.Tracking
		c.Tracking = &t
	}
	return c
}

func cloneDec(d *decimal.Decimal) *decimal.Decimal {
	if d == nil {
		return nil
	}
	c := *d
	return &c
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

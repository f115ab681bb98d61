// Package memory is the in-memory reference shop and its store adapter.
//
// Shop is a whole shop platform in memory: catalog with ids, orders with
// pages, statuses and tracking, signed webhooks, fault injection and latency.
// Store is the adapter that implements every interface of package store on
// top of a Shop; it passes the conformance suite in storetest and serves as
// the shop in the engine's tests and the demo.
//
// The factory registers as type "memory". Its shops are taken from the
// process-wide Shops map by store id, so code that configured a memory store
// reaches the shop behind it with ShopFor(storeID).
package memory

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// AdapterName is the type name the adapter registers under.
const AdapterName = "memory"

// WebhookScheme is how the memory shop signs webhooks.
const WebhookScheme = "hmac-sha256-base64"

// Duration is a time.Duration written as "250ms", "2s", "1m".
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("memory: %q is not a duration such as 250ms or 2s", b)
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Connection is the memory store's connection options.
type Connection struct {
	// BatchSize is the most items one Push takes.
	BatchSize int `yaml:"batch_size" default:"100" doc:"Most items one push takes."`
	// Basis is the price basis the shop takes: gross, net or either.
	Basis string `yaml:"basis" default:"gross" doc:"Price basis the shop takes: gross, net or either."`
	// IntegerStock makes the shop take whole stock quantities only.
	IntegerStock bool `yaml:"integer_stock" doc:"The shop takes whole stock quantities only."`
	// Currency is the currency the shop sells in.
	Currency string `yaml:"currency" default:"PLN" doc:"Currency the shop sells in."`
	// MaxVariantAxes is how many variant axes a product may have; 0 makes
	// a shop without variants (variants are pushed as products).
	MaxVariantAxes int `yaml:"max_variant_axes" default:"3" doc:"Variant axes a product may have; 0 makes a shop without variants."`
	// OrderPageSize is how many orders one Orders page holds.
	OrderPageSize int `yaml:"order_page_size" default:"50" doc:"Orders per page."`
	// Latency is how long every API request of the shop takes.
	Latency Duration `yaml:"latency" doc:"How long every request to the shop takes (to simulate a slow shop)."`
}

// DefaultConnection returns the connection options with their defaults.
func DefaultConnection() Connection {
	return Connection{BatchSize: 100, Basis: string(store.BasisGross), Currency: "PLN", MaxVariantAxes: 3, OrderPageSize: 50}
}

// Credentials are the memory store's secrets.
type Credentials struct {
	// WebhookSecret is the key of the webhooks' HMAC signature.
	WebhookSecret string `yaml:"webhook_secret" doc:"Key of the webhooks' HMAC signature."`
}

func init() {
	store.Register(AdapterName, store.Factory{
		Description: "in-memory reference shop for tests and the demo",
		Connection:  func() any { c := DefaultConnection(); return &c },
		Credentials: func() any { return &Credentials{} },
		New:         newFromParams,
	})
}

func newFromParams(_ context.Context, p store.Params) (store.Store, error) {
	conn := DefaultConnection()
	switch c := p.Connection.(type) {
	case nil:
	case *Connection:
		conn = *c
	case Connection:
		conn = c
	default:
		return nil, fmt.Errorf("memory: store %q: connection is %T, want *memory.Connection", p.StoreID, p.Connection)
	}
	var cred Credentials
	switch c := p.Credentials.(type) {
	case nil:
	case *Credentials:
		cred = *c
	case Credentials:
		cred = c
	default:
		return nil, fmt.Errorf("memory: store %q: credentials are %T, want *memory.Credentials", p.StoreID, p.Credentials)
	}
	if p.StoreID == "" {
		return nil, errors.New("memory: store id is empty")
	}
	return New(p.StoreID, ShopFor(p.StoreID), conn, cred, p.Logger)
}

// Store is the memory shop's adapter. It implements store.Store, Binder,
// OrderSource, StatusSetter and WebhookReceiver.
type Store struct {
	id       string
	shop     *Shop
	log      *slog.Logger
	features store.Features
	pageSize int
	secret   []byte
	closed   atomic.Bool
}

// New returns the adapter for shop as store storeID. It configures the shop
// as conn says (currency, latency) and, when the shop has no webhook secret
// yet, registers cred.WebhookSecret with it as an admin setting up the
// webhook would. A nil log discards.
func New(storeID string, shop *Shop, conn Connection, cred Credentials, log *slog.Logger) (*Store, error) {
	var problems []string
	if shop == nil {
		problems = append(problems, "no shop")
	}
	if conn.BatchSize < 1 {
		problems = append(problems, fmt.Sprintf("batch_size %d is less than 1", conn.BatchSize))
	}
	basis := store.PriceBasis(conn.Basis)
	switch basis {
	case store.BasisGross, store.BasisNet, store.BasisEither:
	default:
		problems = append(problems, fmt.Sprintf("basis %q is not gross, net or either", conn.Basis))
	}
	if conn.MaxVariantAxes < 0 {
		problems = append(problems, fmt.Sprintf("max_variant_axes %d is negative", conn.MaxVariantAxes))
	}
	if conn.OrderPageSize < 1 {
		problems = append(problems, fmt.Sprintf("order_page_size %d is less than 1", conn.OrderPageSize))
	}
	if conn.Latency.Duration < 0 {
		problems = append(problems, fmt.Sprintf("latency %s is negative", conn.Latency))
	}
	if len(conn.Currency) != 3 {
		problems = append(problems, fmt.Sprintf("currency %q is not a 3-letter code", conn.Currency))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("memory: store %q: %s", storeID, strings.Join(problems, "; "))
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	shop.mu.Lock()
	shop.currency = conn.Currency
	shop.latency = conn.Latency.Duration
	if shop.secret == "" {
		shop.secret = cred.WebhookSecret
	}
	shop.mu.Unlock()
	kinds := []catalog.Kind{catalog.KindProduct, catalog.KindVariant, catalog.KindCategory, catalog.KindPrice, catalog.KindStock}
	if conn.MaxVariantAxes == 0 {
		kinds = slices.DeleteFunc(kinds, func(k catalog.Kind) bool { return k == catalog.KindVariant })
	}
	return &Store{
		id:   storeID,
		shop: shop,
		log:  log.With(slog.String("store", storeID), slog.String("adapter", AdapterName)),
		features: store.Features{
			BatchSize:      conn.BatchSize,
			Money:          store.MoneyDecimalString,
			Basis:          basis,
			IntegerStock:   conn.IntegerStock,
			MaxVariantAxes: conn.MaxVariantAxes,
			Kinds:          kinds,
			WebhookScheme:  WebhookScheme,
		},
		pageSize: conn.OrderPageSize,
		secret:   []byte(cred.WebhookSecret),
	}, nil
}

// Shop returns the shop the store talks to.
func (st *Store) Shop() *Shop { return st.shop }

// Features implements store.Store.
func (st *Store) Features() store.Features {
	f := st.features
	f.Kinds = append([]catalog.Kind(nil), f.Kinds...)
	return f
}

// Close implements store.Store.
func (st *Store) Close() error {
	st.closed.Store(true)
	return nil
}

var errClosed = errors.New("memory: store is closed")

// request admits one API request: the store must be open and the shop must
// accept it (faults, latency, ctx).
func (st *Store) request(ctx context.Context, op string) error {
	if st.closed.Load() {
		return errClosed
	}
	if err := st.shop.call(ctx); err != nil {
		return classify(op, err)
	}
	return nil
}

// classify marks an error of the shop's API by its status the way an HTTP
// adapter would: 429 rate limited, 401/403 fatal, 400/404/409/422 permanent
// (a 404 for an id the request named also store.ErrNotInShop), the rest
// retryable.
func classify(op string, err error) error {
	wrapped := fmt.Errorf("memory: %s: %w", op, err)
	var se *StatusError
	if !errors.As(err, &se) {
		return wrapped
	}
	if se.Gone {
		return store.NotInShop(wrapped)
	}
	switch se.Code {
	case http.StatusTooManyRequests:
		return fault.RateLimited(wrapped, se.RetryAfter)
	case http.StatusUnauthorized, http.StatusForbidden:
		return fault.Fatal(wrapped)
	case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity:
		return fault.Permanent(wrapped)
	}
	return wrapped
}

// Push implements store.Store. All items go to the shop in one request; each
// gets its own result.
func (st *Store) Push(ctx context.Context, items []store.Item) ([]store.Result, error) {
	if len(items) > st.features.BatchSize {
		return nil, fault.Permanentf("memory: push of %d items exceeds the batch size %d", len(items), st.features.BatchSize)
	}
	if len(items) == 0 {
		return []store.Result{}, nil
	}
	start := time.Now()
	if err := st.request(ctx, "push"); err != nil {
		st.log.Debug("push failed", slog.Int("items", len(items)), slog.Any("error", err))
		return nil, err
	}
	results := make([]store.Result, len(items))
	failed := 0
	st.shop.mu.Lock()
	for i, it := range items {
		id, err := st.pushOne(it)
		results[i] = store.Result{Kind: it.Kind, SKU: it.SKU, ShopID: id}
		if err != nil {
			failed++
			results[i].ShopID = it.ShopID
			results[i].Err = classify(fmt.Sprintf("push %s %q", it.Kind, it.SKU), err)
		}
	}
	st.shop.mu.Unlock()
	st.log.Debug("push", slog.Int("items", len(items)), slog.Int("failed", failed),
		slog.Duration("took", time.Since(start)))
	return results, nil
}

// pushOne applies one item; the shop's lock is held.
func (st *Store) pushOne(it store.Item) (string, error) {
	if !st.features.Pushes(it.Kind) {
		return "", statusErr(http.StatusUnprocessableEntity, "the shop takes no %q items", it.Kind)
	}
	switch it.Op {
	case store.OpUpsert, store.OpDeactivate, store.OpDelete:
	default:
		return "", statusErr(http.StatusBadRequest, "unknown op %q", it.Op)
	}
	s := st.shop
	switch it.Kind {
	case catalog.KindProduct, catalog.KindVariant:
		switch it.Op {
		case store.OpDeactivate:
			return s.deactivateProduct(it.ShopID, it.SKU)
		case store.OpDelete:
			return s.deleteProduct(it.ShopID, it.SKU)
		}
		d, ok := it.Doc.(*store.ProductDoc)
		if !ok || d == nil {
			return "", docErr(it, "*store.ProductDoc")
		}
		if d.SKU != it.SKU {
			return "", statusErr(http.StatusBadRequest, "item sku %q differs from document sku %q", it.SKU, d.SKU)
		}
		return s.upsertProduct(it.Kind, it.ShopID, d, st.features.MaxVariantAxes)
	case catalog.KindCategory:
		switch it.Op {
		case store.OpDeactivate:
			return "", statusErr(http.StatusUnprocessableEntity, "categories cannot be deactivated, only deleted")
		case store.OpDelete:
			return s.deleteCategory(it.ShopID, it.SKU)
		}
		d, ok := it.Doc.(*store.CategoryDoc)
		if !ok || d == nil {
			return "", docErr(it, "*store.CategoryDoc")
		}
		if d.Code != it.SKU {
			return "", statusErr(http.StatusBadRequest, "item key %q differs from category code %q", it.SKU, d.Code)
		}
		return s.upsertCategory(it.ShopID, d)
	case catalog.KindPrice:
		if it.Op != store.OpUpsert {
			return "", statusErr(http.StatusUnprocessableEntity, "prices can only be upserted")
		}
		d, ok := it.Doc.(*store.PriceDoc)
		if !ok || d == nil {
			return "", docErr(it, "*store.PriceDoc")
		}
		if d.SKU != it.SKU {
			return "", statusErr(http.StatusBadRequest, "item sku %q differs from price sku %q", it.SKU, d.SKU)
		}
		if st.features.Basis == store.BasisGross && !d.Gross || st.features.Basis == store.BasisNet && d.Gross {
			return "", statusErr(http.StatusUnprocessableEntity, "price basis gross=%t, the shop takes %s prices", d.Gross, st.features.Basis)
		}
		return s.setPrice(it.ShopID, d)
	case catalog.KindStock:
		if it.Op != store.OpUpsert {
			return "", statusErr(http.StatusUnprocessableEntity, "stock can only be upserted")
		}
		d, ok := it.Doc.(*store.StockDoc)
		if !ok || d == nil {
			return "", docErr(it, "*store.StockDoc")
		}
		if d.SKU != it.SKU {
			return "", statusErr(http.StatusBadRequest, "item sku %q differs from stock sku %q", it.SKU, d.SKU)
		}
		return s.setStock(it.ShopID, d, st.features.IntegerStock)
	}
	return "", statusErr(http.StatusUnprocessableEntity, "the shop takes no %q items", it.Kind)
}

func docErr(it store.Item, want string) error {
	return statusErr(http.StatusBadRequest, "%s item %q has a %T document, want %s", it.Kind, it.SKU, it.Doc, want)
}

// listPageSize is how many items one ListItems request reads.
const listPageSize = 100

// ListItems implements store.Binder: products and variants, by id, one
// request per page.
func (st *Store) ListItems(ctx context.Context, fn func(store.Existing) error) error {
	after := ""
	for {
		if err := st.request(ctx, "list items"); err != nil {
			return err
		}
		var page []store.Existing
		st.shop.mu.Lock()
		for _, id := range st.shop.sortedProductIDs() {
			if after != "" && !idLess(after, id) {
				continue
			}
			if len(page) == listPageSize {
				break
			}
			p := st.shop.products[id]
			e := store.Existing{Kind: catalog.KindProduct, SKU: p.SKU, EAN: p.EAN, ShopID: p.ID}
			if p.ParentID != "" {
				e.Kind, e.ParentShopID = catalog.KindVariant, p.ParentID
			}
			page = append(page, e)
		}
		st.shop.mu.Unlock()
		st.log.Debug("list items", slog.Int("items", len(page)))
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < listPageSize {
			return nil
		}
		after = page[len(page)-1].ShopID
	}
}

// Orders implements store.OrderSource.
func (st *Store) Orders(ctx context.Context, since time.Time, page string) (store.OrderPage, error) {
	if err := st.request(ctx, "orders"); err != nil {
		return store.OrderPage{}, err
	}
	st.shop.mu.Lock()
	orders, next, err := st.shop.orderPage(since.UTC(), page, st.pageSize)
	var out store.OrderPage
	if err == nil {
		out.Next = next
		for _, o := range orders {
			raw, merr := json.Marshal(o.toAPI())
			if merr != nil {
				err = merr
				break
			}
			out.Orders = append(out.Orders, store.ShopOrder{ID: o.ID, UpdatedAt: o.UpdatedAt, Raw: raw})
		}
	}
	st.shop.mu.Unlock()
	if err != nil {
		return store.OrderPage{}, classify("orders", err)
	}
	st.log.Debug("orders", slog.Time("since", since.UTC()), slog.Int("orders", len(out.Orders)),
		slog.Bool("more", out.Next != ""))
	return out, nil
}

// Order implements store.OrderSource.
func (st *Store) Order(ctx context.Context, id string) (store.ShopOrder, error) {
	if err := st.request(ctx, "order"); err != nil {
		return store.ShopOrder{}, err
	}
	st.shop.mu.Lock()
	o, ok := st.shop.orders[id]
	var so store.ShopOrder
	var err error
	if ok {
		so.ID, so.UpdatedAt = o.ID, o.UpdatedAt
		so.Raw, err = json.Marshal(o.toAPI())
	} else {
		err = statusErr(http.StatusNotFound, "no order %q", id)
	}
	st.shop.mu.Unlock()
	if err != nil {
		return store.ShopOrder{}, classify(fmt.Sprintf("order %q", id), err)
	}
	st.log.Debug("order", slog.String("order", id))
	return so, nil
}

// ParseOrder implements store.OrderSource.
func (st *Store) ParseOrder(raw []byte) (catalog.Order, error) {
	o, err := parseAPIOrder(raw)
	if err != nil {
		return catalog.Order{}, fault.Permanent(fmt.Errorf("memory: parse order: %w", err))
	}
	return o, nil
}

// SetStatus implements store.StatusSetter.
func (st *Store) SetStatus(ctx context.Context, shopOrderID string, u catalog.StatusUpdate) error {
	if err := st.request(ctx, "set status"); err != nil {
		return err
	}
	st.shop.mu.Lock()
	err := st.shop.setOrderStatus(shopOrderID, u)
	st.shop.mu.Unlock()
	if err != nil {
		return classify(fmt.Sprintf("set status of order %q", shopOrderID), err)
	}
	st.log.Debug("set status", slog.String("order", shopOrderID), slog.String("status", string(u.Status)),
		slog.Bool("tracking", u.Tracking != nil))
	return nil
}

// VerifyWebhook implements store.WebhookReceiver: base64 HMAC-SHA256 of the
// body in X-Memory-Signature, compared in constant time.
func (st *Store) VerifyWebhook(h http.Header, body []byte) error {
	sig := h.Get(HeaderSignature)
	if sig == "" {
		return fmt.Errorf("memory: no %s header: %w", HeaderSignature, store.ErrSignatureMissing)
	}
	if len(st.secret) == 0 {
		return fmt.Errorf("memory: store has no webhook secret: %w", store.ErrSignatureInvalid)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("memory: %s is not base64: %w", HeaderSignature, store.ErrSignatureInvalid)
	}
	mac := hmac.New(sha256.New, st.secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("memory: %s does not match the body: %w", HeaderSignature, store.ErrSignatureInvalid)
	}
	return nil
}

// ParseWebhook implements store.WebhookReceiver.
func (st *Store) ParseWebhook(h http.Header, body []byte) (store.Webhook, error) {
	w := store.Webhook{
		DeliveryID: h.Get(HeaderDelivery),
		EventID:    h.Get(HeaderEvent),
		Raw:        body,
	}
	switch topic := h.Get(HeaderTopic); topic {
	case TopicPing:
		w.Kind = store.WebhookPing
		return w, nil
	case TopicOrderCreated, TopicOrderUpdated:
		w.Kind = store.WebhookOrder
	default:
		w.Kind = store.WebhookOther
		return w, nil
	}
	var head struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return store.Webhook{}, fault.Permanent(fmt.Errorf("memory: webhook body is not an order object: %w", err))
	}
	if head.ID == "" {
		return store.Webhook{}, fault.Permanentf("memory: webhook order has no id")
	}
	w.ShopOrderID = head.ID
	return w, nil
}

// Interface guards.
var (
	_ store.Store           = (*Store)(nil)
	_ store.Binder          = (*Store)(nil)
	_ store.OrderSource     = (*Store)(nil)
	_ store.StatusSetter    = (*Store)(nil)
	_ store.WebhookReceiver = (*Store)(nil)
)

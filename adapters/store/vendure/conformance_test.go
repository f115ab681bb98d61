package vendure

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
	"github.com/erpbridge/erpbridge/internal/store/storetest"
)

// conformanceSecret is the webhook secret of the conformance stores.
const conformanceSecret = "storetest-webhook-secret"

// runConformance runs the store conformance suite against the real Vendure
// server. The backdoor reads the shop through the Admin API, places orders
// through the Shop API, signs webhooks as scripts/vendure/server.js does,
// and injects faults in the HTTP transport between the adapter and the
// server (the server itself cannot be told to answer 429 or 500).
func runConformance(t *testing.T, base string, admin *client) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) (store.Store, storetest.Shop) {
			ft := &faultTransport{next: http.DefaultTransport}
			user, pass := realCreds()
			st, err := New(context.Background(), store.Params{
				StoreID:     "vendure-conformance",
				Connection:  &Connection{URL: base, BatchSize: 10, PageSize: 2, EANCustomField: "ean"},
				Credentials: &Credentials{Username: user, Password: pass, WebhookSecret: conformanceSecret},
				Logger:      testLogger(t),
				HTTPClient:  &http.Client{Transport: ft},
			})
			if err != nil {
				t.Fatal(err)
			}
			return st, &backdoor{base: base, admin: admin, faults: ft}
		},
		OrderPageSize: 2,
		Currency:      "PLN",
		Serial:        true,
		Gaps: map[string]string{
			"Products/Images": "Vendure takes images as uploaded assets (createAssets with a file), not URLs; the adapter does not push images",
		},
	})
}

// backdoor is storetest's view of the Vendure server, independent of the
// adapter: Admin API reads, Shop API checkout, webhook signing and faults.
type backdoor struct {
	base   string
	admin  *client
	faults *faultTransport
}

var (
	_ storetest.OrderPlacer   = (*backdoor)(nil)
	_ storetest.WebhookSigner = (*backdoor)(nil)
	_ storetest.FaultInjector = (*backdoor)(nil)
)

type bdVariant struct {
	ID                  string `json:"id"`
	SKU                 string `json:"sku"`
	Name                string `json:"name"`
	Enabled             bool   `json:"enabled"`
	ProductID           string `json:"productId"`
	PriceWithTax        int64  `json:"priceWithTax"`
	StockOnHand         int64  `json:"stockOnHand"`
	StockAllocated      int64  `json:"stockAllocated"`
	OutOfStockThreshold int64  `json:"outOfStockThreshold"`
	UpdatedAt           string `json:"updatedAt"`
	CustomFields        struct {
		EAN string `json:"ean"`
	} `json:"customFields"`
	Options []struct {
		Name  string `json:"name"`
		Group struct {
			Name string `json:"name"`
		} `json:"group"`
	} `json:"options"`
}

const bdVariantFields = `id sku name enabled productId priceWithTax stockOnHand stockAllocated outOfStockThreshold updatedAt
  customFields { ean } options { name group { name } }`

// fill sets price and stock from v. Vendure has no "no price": a variant
// made without one costs 0, which the backdoor reports as none.
func (v bdVariant) fill(p *storetest.ShopProduct) {
	if v.PriceWithTax != 0 {
		d := decimal.New(v.PriceWithTax, -2)
		p.Price = &d
	}
	q := decimal.NewFromInt(v.StockOnHand)
	p.Stock = &q
	p.StockStatus = store.OutOfStock
	if v.StockOnHand-v.StockAllocated > v.OutOfStockThreshold {
		p.StockStatus = store.InStock
	}
}

// Product reads the product Push made for sku (by its slug) or the variant
// with sku.
func (b *backdoor) Product(ctx context.Context, sku string) (storetest.ShopProduct, bool, error) {
	var pr struct {
		Product *struct {
			ID           string `json:"id"`
			Name         string `json:"name"`
			Enabled      bool   `json:"enabled"`
			UpdatedAt    string `json:"updatedAt"`
			CustomFields struct {
				EAN string `json:"ean"`
			} `json:"customFields"`
			Variants []bdVariant `json:"variants"`
		} `json:"product"`
	}
	if err := b.admin.call(ctx, "backdoor product", `query($s: String!) { product(slug: $s) {
  id name enabled updatedAt customFields { ean } variants { `+bdVariantFields+` } } }`,
		map[string]any{"s": slugFor(sku)}, &pr); err != nil {
		return storetest.ShopProduct{}, false, err
	}
	if p := pr.Product; p != nil {
		sp := storetest.ShopProduct{ShopID: p.ID, SKU: sku, Name: p.Name, EAN: p.CustomFields.EAN, Active: p.Enabled, Revision: p.UpdatedAt}
		for _, v := range p.Variants {
			if v.SKU == sku {
				v.fill(&sp)
				sp.Revision += "|" + v.UpdatedAt + "|" + v.Name + "|" + strconv.FormatBool(v.Enabled)
			}
		}
		return sp, true, nil
	}
	var vs struct {
		ProductVariants struct {
			Items []bdVariant `json:"items"`
		} `json:"productVariants"`
	}
	if err := b.admin.call(ctx, "backdoor variant", `query($s: String!) { productVariants(options: { filter: { sku: { eq: $s } } }) {
  items { `+bdVariantFields+` } } }`, map[string]any{"s": sku}, &vs); err != nil {
		return storetest.ShopProduct{}, false, err
	}
	switch len(vs.ProductVariants.Items) {
	case 0:
		return storetest.ShopProduct{}, false, nil
	case 1:
	default:
		return storetest.ShopProduct{}, false, fmt.Errorf("backdoor: %d variants have SKU %q", len(vs.ProductVariants.Items), sku)
	}
	v := vs.ProductVariants.Items[0]
	sp := storetest.ShopProduct{ShopID: v.ID, ParentShopID: v.ProductID, SKU: v.SKU, Name: v.Name, EAN: v.CustomFields.EAN,
		Active: v.Enabled, Revision: v.UpdatedAt}
	if len(v.Options) > 0 {
		sp.Options = map[string]string{}
		for _, o := range v.Options {
			sp.Options[o.Group.Name] = o.Name
		}
	}
	v.fill(&sp)
	return sp, true, nil
}

// PlaceOrder checks out spec's lines through the Shop API as a guest.
func (b *backdoor) PlaceOrder(ctx context.Context, spec storetest.OrderSpec) (string, error) {
	skus := make([]string, len(spec.Lines))
	for i, l := range spec.Lines {
		skus[i] = l.SKU
	}
	var vs struct {
		ProductVariants struct {
			Items []struct{ ID, SKU string } `json:"items"`
		} `json:"productVariants"`
	}
	if err := b.admin.call(ctx, "backdoor variants", `query($s: [String!]!) { productVariants(options: { filter: { sku: { in: $s } } }) {
  items { id sku } } }`, map[string]any{"s": skus}, &vs); err != nil {
		return "", err
	}
	ids := map[string]string{}
	for _, v := range vs.ProductVariants.Items {
		ids[v.SKU] = v.ID
	}
	lines := make([]checkoutLine, len(spec.Lines))
	for i, l := range spec.Lines {
		if ids[l.SKU] == "" {
			return "", fmt.Errorf("backdoor: no variant has SKU %q", l.SKU)
		}
		if !l.Quantity.IsInteger() {
			return "", fmt.Errorf("backdoor: Vendure sells whole units, not %s", l.Quantity)
		}
		lines[i] = checkoutLine{ids[l.SKU], l.Quantity.IntPart()}
	}
	return checkout(ctx, b.base, lines, spec.Customer, spec.Billing)
}

// Order reads an order's state and tracking through the Admin API.
func (b *backdoor) Order(ctx context.Context, id string) (storetest.ShopOrderState, bool, error) {
	var out struct {
		Order *struct {
			State        string `json:"state"`
			UpdatedAt    string `json:"updatedAt"`
			Fulfillments []struct {
				ID           string `json:"id"`
				State        string `json:"state"`
				Method       string `json:"method"`
				TrackingCode string `json:"trackingCode"`
				UpdatedAt    string `json:"updatedAt"`
			} `json:"fulfillments"`
		} `json:"order"`
	}
	if err := b.admin.call(ctx, "backdoor order", `query($id: ID!) { order(id: $id) {
  state updatedAt fulfillments { id state method trackingCode updatedAt } } }`, map[string]any{"id": id}, &out); err != nil {
		return storetest.ShopOrderState{}, false, err
	}
	o := out.Order
	if o == nil {
		return storetest.ShopOrderState{}, false, nil
	}
	st := storetest.ShopOrderState{Status: statusOf(o.State), Revision: o.State + "|" + o.UpdatedAt}
	for _, f := range o.Fulfillments {
		st.Revision += "|" + f.ID + ":" + f.State + ":" + f.UpdatedAt
		if f.State != "Cancelled" && st.Tracking == nil {
			st.Tracking = &catalog.Tracking{Carrier: f.Method, Number: f.TrackingCode}
		}
	}
	return st, true, nil
}

// SignWebhook signs body as scripts/vendure/server.js does. The event id
// is derived from the body, so every call is a new delivery of one event.
func (b *backdoor) SignWebhook(body []byte) http.Header {
	return signedHeaders(conformanceSecret, body, time.Now())
}

func signedHeaders(secret string, body []byte, now time.Time) http.Header {
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	ev := sha256.Sum256(body)
	delivery := make([]byte, 8)
	_, _ = io.ReadFull(rand.Reader, delivery)
	h := http.Header{}
	h.Set(headerEvent, "order.state")
	h.Set(headerEventID, hex.EncodeToString(ev[:16]))
	h.Set(headerDeliveryID, hex.EncodeToString(delivery))
	h.Set(headerTimestamp, ts)
	h.Set(headerSignature, hex.EncodeToString(mac.Sum(nil)))
	return h
}

// FailNext queues n faults in the adapter's HTTP transport.
func (b *backdoor) FailNext(n int, f storetest.Fault) error {
	switch f.Kind {
	case storetest.FaultRateLimit, storetest.FaultServerError, storetest.FaultAuth, storetest.FaultLatency:
	default:
		return fmt.Errorf("backdoor: fault %s: %w", f.Kind, errors.ErrUnsupported)
	}
	b.faults.mu.Lock()
	defer b.faults.mu.Unlock()
	for range n {
		b.faults.queue = append(b.faults.queue, f)
	}
	return nil
}

// faultTransport answers the adapter's next requests with queued faults,
// the way the server (or a proxy in front of it) would, and passes the rest
// on. An auth fault answers as Vendure does for a token it no longer
// accepts (FORBIDDEN) and then refuses the adapter's next login as for a
// changed password.
type faultTransport struct {
	next         http.RoundTripper
	mu           sync.Mutex
	queue        []storetest.Fault
	refuseLogins int
}

func (ft *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	isLogin := bytes.Contains(body, []byte("mutation Login"))
	ft.mu.Lock()
	var f *storetest.Fault
	switch {
	case isLogin && ft.refuseLogins > 0:
		ft.refuseLogins--
		ft.mu.Unlock()
		return jsonResponse(req, http.StatusOK, nil,
			`{"data":{"login":{"__typename":"InvalidCredentialsError","errorCode":"INVALID_CREDENTIALS_ERROR","message":"The provided credentials are invalid"}}}`), nil
	case len(ft.queue) > 0:
		f = &ft.queue[0]
		ft.queue = ft.queue[1:]
		if f.Kind == storetest.FaultAuth {
			ft.refuseLogins++
		}
	}
	ft.mu.Unlock()
	if f == nil {
		return ft.next.RoundTrip(req)
	}
	switch f.Kind {
	case storetest.FaultRateLimit:
		h := http.Header{"Retry-After": {strconv.Itoa(int(f.RetryAfter / time.Second))}}
		return jsonResponse(req, http.StatusTooManyRequests, h, `{"message":"Too many requests"}`), nil
	case storetest.FaultServerError:
		return jsonResponse(req, http.StatusInternalServerError, nil, `{"message":"Internal server error"}`), nil
	case storetest.FaultAuth:
		return jsonResponse(req, http.StatusOK, nil,
			`{"errors":[{"message":"You are not currently authorized to perform this action","extensions":{"code":"FORBIDDEN"}}],"data":null}`), nil
	default: // latency
		select {
		case <-time.After(f.Delay):
			return ft.next.RoundTrip(req)
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
}

func jsonResponse(req *http.Request, code int, h http.Header, body string) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	return &http.Response{
		StatusCode: code,
		Status:     strconv.Itoa(code) + " " + http.StatusText(code),
		Header:     h,
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    req,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		ContentLength: int64(len(body)),
	}
}

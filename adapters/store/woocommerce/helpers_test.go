package woocommerce_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/woocommerce"
	"github.com/erpbridge/erpbridge/adapters/store/woocommerce/fakewoo"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
	"github.com/erpbridge/erpbridge/internal/store/storetest"
)

const webhookSecret = "whsec-test-0123456789"

// bundle is one test's fake shop and adapter.
type bundle struct {
	fake *fakewoo.Server
	st   *woocommerce.Store
	logs *syncBuffer
}

type setupOpts struct {
	tz              *time.Location
	orderPageSize   int
	batchSize       int
	queryStringAuth bool
	key, secret     string
}

func setup(t *testing.T, o setupOpts) *bundle {
	t.Helper()
	tz := o.tz
	if tz == nil {
		var err error
		if tz, err = time.LoadLocation("Europe/Warsaw"); err != nil {
			t.Fatal(err)
		}
	}
	fake := fakewoo.Start(fakewoo.Options{ConsumerKey: "ck_0123456789abcdef", ConsumerSecret: "cs_fedcba9876543210", TimeZone: tz})
	t.Cleanup(fake.Close)
	key, secret := fake.Credentials()
	if o.key != "" {
		key, secret = o.key, o.secret
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})).
		With(slog.String("store", "woo-test"), slog.String("adapter", woocommerce.Name))
	st, err := woocommerce.New(store.Params{
		StoreID: "woo-test",
		Connection: &woocommerce.Connection{URL: fake.URL, OrderPageSize: o.orderPageSize, BatchSize: o.batchSize,
			QueryStringAuth: o.queryStringAuth},
		Credentials: &woocommerce.Credentials{ConsumerKey: key, ConsumerSecret: secret, WebhookSecret: webhookSecret},
		Logger:      logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &bundle{fake: fake, st: st, logs: logs}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// shop is the storetest backdoor over a fakewoo server: it reads the fake's
// state directly, as an admin would in the WooCommerce panel.
type shop struct{ fake *fakewoo.Server }

var (
	_ storetest.Shop          = shop{}
	_ storetest.OrderPlacer   = shop{}
	_ storetest.WebhookSigner = shop{}
	_ storetest.FaultInjector = shop{}
)

func decOrNil(s string) *decimal.Decimal {
	if s == "" {
		return nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return nil
	}
	return &d
}

// Product implements storetest.Shop. Category codes are the slugs
// upper-cased: WordPress slugs are lowercase, the suite's codes uppercase
// ASCII (the adapter maps a code to its slug; see woocommerce.Slug).
func (s shop) Product(_ context.Context, sku string) (storetest.ShopProduct, bool, error) {
	p, ok := s.fake.Product(sku)
	if !ok {
		return storetest.ShopProduct{}, false, nil
	}
	sp := storetest.ShopProduct{
		ShopID:      strconv.Itoa(p.ID),
		SKU:         p.SKU,
		Name:        p.Name,
		EAN:         p.GlobalUniqueID,
		Active:      p.Status == "publish",
		Price:       decOrNil(p.RegularPrice),
		Sale:        decOrNil(p.SalePrice),
		StockStatus: store.StockStatus(p.StockStatus),
		Revision:    strconv.Itoa(p.Revision),
	}
	if p.Type == "variation" {
		sp.ShopID = fmt.Sprintf("%d/%d", p.ParentID, p.ID)
		sp.ParentShopID = strconv.Itoa(p.ParentID)
		sp.Options = map[string]string{}
		for _, a := range p.Attributes {
			sp.Options[a.Name] = a.Option
		}
		if p.Image != nil {
			sp.Images = []string{p.Image.Source}
		}
	}
	for _, c := range p.Categories {
		sp.Categories = append(sp.Categories, strings.ToUpper(c.Slug))
	}
	for _, im := range p.Images {
		sp.Images = append(sp.Images, im.Source)
	}
	if p.ManageStock && p.StockQuantity != nil {
		q := decimal.NewFromInt(int64(*p.StockQuantity))
		sp.Stock = &q
	}
	return sp, true, nil
}

// PlaceOrder implements storetest.OrderPlacer: a checkout at the product's
// current price, with prices entered with 23% VAT.
func (s shop) PlaceOrder(_ context.Context, spec storetest.OrderSpec) (string, error) {
	o := fakewoo.Order{
		Status: "processing", Currency: "PLN", PricesIncludeTax: true, Paid: true,
		PaymentMethod: "bacs", PaymentMethodTitle: "Direct bank transfer",
		CustomerNote: spec.Note,
		Billing: fakewoo.Address{FirstName: spec.Customer.FirstName, LastName: spec.Customer.LastName,
			Company: spec.Customer.CompanyName, Address1: spec.Billing.Street, City: spec.Billing.City,
			Postcode: spec.Billing.PostalCode, Country: spec.Billing.Country, Email: spec.Customer.Email},
		TaxLines: []fakewoo.TaxLine{{ID: 1, RateCode: "PL-VAT-1", RateID: 1, Label: "VAT", RatePercent: "23"}},
	}
	var total, totalTax decimal.Decimal
	for _, l := range spec.Lines {
		p, ok := s.fake.Product(l.SKU)
		if !ok {
			return "", fmt.Errorf("no product %q", l.SKU)
		}
		price, err := decimal.NewFromString(p.Price)
		if err != nil {
			return "", fmt.Errorf("product %q has no price", l.SKU)
		}
		gross := price.Mul(l.Quantity)
		tax := gross.Sub(gross.Div(decimal.RequireFromString("1.23"))).Round(2)
		net := gross.Sub(tax)
		line := fakewoo.LineItem{Name: p.Name, ProductID: p.ID, Quantity: int(l.Quantity.IntPart()), SKU: p.SKU,
			Total: net.StringFixed(2), TotalTax: tax.StringFixed(2),
			Taxes: []fakewoo.LineTax{{ID: 1, Total: tax.StringFixed(2), Subtotal: tax.StringFixed(2)}}}
		if p.Type == "variation" {
			line.ProductID, line.VariationID = p.ParentID, p.ID
		}
		o.LineItems = append(o.LineItems, line)
		total, totalTax = total.Add(gross), totalTax.Add(tax)
	}
	o.Total, o.TotalTax, o.CartTax = total.StringFixed(2), totalTax.StringFixed(2), totalTax.StringFixed(2)
	o.TaxLines[0].TaxTotal = o.TotalTax
	got, err := s.fake.PlaceOrder(o)
	if err != nil {
		return "", err
	}
	return strconv.Itoa(got.ID), nil
}

func metaValue(o fakewoo.Order, key string) string {
	for _, m := range o.MetaData {
		if m.Key == key {
			v, _ := m.Value.(string)
			return v
		}
	}
	return ""
}

// Order implements storetest.OrderPlacer: the status as the admin reads it
// (WooCommerce's, or the hub's status in the erpbridge_status custom field
// while WooCommerce's is the one the adapter set with it) and the tracking
// custom fields.
func (s shop) Order(_ context.Context, id string) (storetest.ShopOrderState, bool, error) {
	n, err := strconv.Atoi(id)
	if err != nil {
		return storetest.ShopOrderState{}, false, nil
	}
	o, ok := s.fake.Order(n)
	if !ok {
		return storetest.ShopOrderState{}, false, nil
	}
	st := map[string]catalog.OrderStatus{"pending": catalog.StatusNew, "on-hold": catalog.StatusOnHold,
		"processing": catalog.StatusProcessing, "completed": catalog.StatusCompleted,
		"cancelled": catalog.StatusCancelled, "refunded": catalog.StatusRefunded}[o.Status]
	if metaValue(o, woocommerce.MetaShopStatus) == o.Status && metaValue(o, woocommerce.MetaStatus) != "" {
		st = catalog.OrderStatus(metaValue(o, woocommerce.MetaStatus))
	}
	out := storetest.ShopOrderState{Status: st, Revision: strconv.Itoa(o.Revision)}
	if num := metaValue(o, woocommerce.MetaTrackingNumber); num != "" {
		out.Tracking = &catalog.Tracking{Number: num, Carrier: metaValue(o, woocommerce.MetaTrackingCarrier),
			URL: metaValue(o, woocommerce.MetaTrackingURL)}
	}
	return out, true, nil
}

// SignWebhook implements storetest.WebhookSigner with WooCommerce's headers
// for an order.updated delivery.
func (s shop) SignWebhook(body []byte) http.Header {
	return signedHeaders("order.updated", body)
}

func signedHeaders(topic string, body []byte) http.Header {
	var b [16]byte
	_, _ = rand.Read(b[:])
	res, ev, _ := strings.Cut(topic, ".")
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-WC-Webhook-Source", "https://shop.example.com/")
	h.Set("X-WC-Webhook-Topic", topic)
	h.Set("X-WC-Webhook-Resource", res)
	h.Set("X-WC-Webhook-Event", ev)
	h.Set("X-WC-Webhook-Signature", fakewoo.Sign(webhookSecret, body))
	h.Set("X-WC-Webhook-ID", "7")
	h.Set("X-WC-Webhook-Delivery-ID", hex.EncodeToString(b[:]))
	return h
}

// FailNext implements storetest.FaultInjector.
func (s shop) FailNext(n int, f storetest.Fault) error {
	switch f.Kind {
	case storetest.FaultRateLimit:
		s.fake.RateLimitNext(n, f.RetryAfter)
	case storetest.FaultServerError:
		s.fake.FailNext(n)
	case storetest.FaultAuth:
		s.fake.RejectAuthNext(n)
	case storetest.FaultLatency:
		s.fake.DelayNext(n, f.Delay)
	default:
		return fmt.Errorf("fault %v: %w", f.Kind, errors.ErrUnsupported)
	}
	return nil
}

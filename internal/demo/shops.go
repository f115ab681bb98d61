package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/adapters/store/woocommerce/fakewoo"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Shops are the demo's three fake shops, each served on 127.0.0.1 over its
// platform's real protocol: b2c and abroad are WooCommerce REST v3 fakes,
// b2b a shop speaking the erpbridge store protocol.
type Shops struct {
	B2C, Abroad *fakewoo.Server
	B2B         *shopserver.Memory

	// URLs by store id: the WooCommerce site URL or the protocol base URL.
	URLs map[string]string
	// Secrets of this run: API credentials and webhook secrets.
	WooKey, WooSecret, B2BToken, WebhookSecret string

	b2bHooks *shopserver.Sender
	servers  []*http.Server
}

// startShops starts the three shops on free ports of 127.0.0.1.
func startShops(log *slog.Logger) (*Shops, error) {
	s := &Shops{
		URLs: map[string]string{}, WooKey: "ck_" + randomHex(16), WooSecret: "cs_" + randomHex(16),
		B2BToken: randomHex(16), WebhookSecret: randomHex(16),
	}
	serve := func(id string, h http.Handler) (string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("demo: shop %s: %w", id, err)
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		s.servers = append(s.servers, hs)
		go func() { _ = hs.Serve(ln) }()
		u := "http://" + ln.Addr().String()
		s.URLs[id] = u
		return u, nil
	}
	// The WooCommerce shops need their site URL before they serve; the
	// listener decides it, so make them behind a handler that waits.
	woo := func(id string, tz string) (*fakewoo.Server, error) {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			loc = time.UTC // a machine without tzdata
		}
		var srv *fakewoo.Server
		ready := make(chan struct{})
		u, err := serve(id, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-ready
			srv.ServeHTTP(w, r)
		}))
		if err != nil {
			return nil, err
		}
		srv = fakewoo.New(fakewoo.Options{ConsumerKey: s.WooKey, ConsumerSecret: s.WooSecret, TimeZone: loc, SiteURL: u})
		close(ready)
		return srv, nil
	}
	var err error
	if s.B2C, err = woo("b2c", "Europe/Warsaw"); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	if s.Abroad, err = woo("abroad", "Europe/Berlin"); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	s.B2B = shopserver.NewMemory()
	srv, err := shopserver.New(shopserver.Config{Backend: s.B2B, Token: s.B2BToken, Logger: log})
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	if _, err := serve("b2b", srv); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// Subscribe sets up each shop's order webhooks to the hub at hubURL, signed
// with the run's webhook secret, as a shop's admin would.
func (s *Shops) Subscribe(ctx context.Context, hubURL string) error {
	for id, w := range map[string]*fakewoo.Server{"b2c": s.B2C, "abroad": s.Abroad} {
		if _, err := w.AddWebhook(ctx, "order.*", hubURL+"/webhooks/"+id, s.WebhookSecret); err != nil {
			return fmt.Errorf("demo: webhook of %s: %w", id, err)
		}
	}
	s.b2bHooks = &shopserver.Sender{URL: hubURL + "/webhooks/b2b", Secret: []byte(s.WebhookSecret), Client: &http.Client{Timeout: 10 * time.Second}}
	if _, err := s.b2bHooks.Ping(ctx); err != nil {
		return fmt.Errorf("demo: webhook of b2b: %w", err)
	}
	return nil
}

// Close stops the shops' servers.
func (s *Shops) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, hs := range s.servers {
		errs = append(errs, hs.Shutdown(ctx))
	}
	for _, w := range []*fakewoo.Server{s.B2C, s.Abroad} {
		if w != nil {
			w.Flush()
		}
	}
	return errors.Join(errs...)
}

// Shown is what a shop shows for a SKU: its price and stock as its
// customers see them.
type Shown struct {
	Price    decimal.Decimal
	Currency string
	Stock    int
	ForSale  bool
}

// Show reads what shop id shows for sku from the shop itself.
func (s *Shops) Show(id, sku string) (Shown, bool) {
	if id == "b2b" {
		p, ok1 := s.B2B.Item(catalog.KindPrice, sku)
		st, ok2 := s.B2B.Item(catalog.KindStock, sku)
		if !ok1 || !ok2 {
			return Shown{}, false
		}
		pd, _ := p.Doc.(*store.PriceDoc)
		sd, _ := st.Doc.(*store.StockDoc)
		if pd == nil || sd == nil {
			return Shown{}, false
		}
		return Shown{Price: pd.Regular, Currency: pd.Currency, Stock: int(sd.Quantity.IntPart()), ForSale: p.Active && sd.Quantity.IsPositive()}, true
	}
	w, currency := s.B2C, "PLN"
	if id == "abroad" {
		w, currency = s.Abroad, "EUR"
	}
	p, ok := w.Product(sku)
	if !ok {
		return Shown{}, false
	}
	price, err := decimal.NewFromString(p.Price)
	if err != nil {
		return Shown{}, false
	}
	sh := Shown{Price: price, Currency: currency, ForSale: p.Status == "publish" && p.StockStatus == "instock"}
	if p.StockQuantity != nil {
		sh.Stock = *p.StockQuantity
	}
	return sh, true
}

// customer is the demo's buyer.
var customer = catalog.Customer{Kind: catalog.CustomerPerson, Email: "klient@example.pl", FirstName: "Zofia", LastName: "Wójcik"}

// Order has a customer buy one unit of sku in shop id at checkout; the shop
// tells the hub by its signed webhook. It returns the shop's order id.
func (s *Shops) Order(ctx context.Context, id, sku string) (string, error) {
	if id == "b2b" {
		addr := catalog.Address{Name: "Zofia Wójcik", Street: "ul. Łąkowa 5", City: "Łódź", PostalCode: "90-001", Country: "PL"}
		o, err := s.B2B.PlaceOrder(ctx, shopserver.OrderSpec{
			Customer: customer, Billing: addr, Shipping: catalog.Shipping{Method: "kurier"}, Payment: "przelew", Paid: true,
			Lines: []shopserver.LineSpec{{SKU: sku, Quantity: decimal.NewFromInt(1)}},
		})
		if err != nil {
			return "", err
		}
		if s.b2bHooks != nil {
			// One attempt, as the protocol says; the hub's order poll is the
			// safety net when it fails.
			_, _ = s.b2bHooks.SendOrder(ctx, o, true)
		}
		return o.ShopOrderID, nil
	}
	w, currency := s.B2C, "PLN"
	if id == "abroad" {
		w, currency = s.Abroad, "EUR"
	}
	o, err := w.Checkout(fakewoo.CheckoutSpec{
		Billing:       fakewoo.Address{FirstName: customer.FirstName, LastName: customer.LastName, Address1: "ul. Łąkowa 5", City: "Łódź", Postcode: "90-001", Country: "PL", Email: customer.Email},
		PaymentMethod: "przelew", ShippingMethod: "kurier", Currency: currency,
		Lines: []fakewoo.CheckoutLine{{SKU: sku, Quantity: 1}},
	})
	if err != nil {
		return "", err
	}
	return strconv.Itoa(o.ID), nil
}

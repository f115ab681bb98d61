// Command loadgen posts signed order webhooks (erpbridge store protocol v1,
// the "http" store type) to a running hub and prints what it measured: one
// RESULT line with orders/s, latency percentiles and errors. It runs in its
// own process so that the hub's figures are not shared with the client's
// CPU time inside one Go runtime.
//
//	loadgen -url http://127.0.0.1:8080/webhooks/shop -secret S -rate 500 -duration 20s
//	loadgen -url http://127.0.0.1:8080/webhooks/shop -secret S -workers 64 -duration 10s
//
// With -rate the deliveries are sent on a fixed schedule (open loop) and each
// latency is measured from the delivery's scheduled time, so a hub that falls
// behind shows it in the percentiles. Without -rate, -workers goroutines post
// back to back (saturation). Every order is new (ids from -prefix); with -dup
// every dup-th delivery repeats an order already sent, which the hub answers
// 200. A 202 or 200 counts as ok; anything else, and transport errors, count
// as errors.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/catalog"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type options struct {
	url, secret, prefix, label string
	rate, workers, dup         int
	duration                   time.Duration
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", "", "webhook URL of the store, e.g. http://127.0.0.1:8080/webhooks/shop")
	fs.StringVar(&o.secret, "secret", "", "the store's credentials.webhook_secret (default $LOADGEN_SECRET)")
	fs.IntVar(&o.rate, "rate", 0, "deliveries per second on a fixed schedule (0: saturation with -workers)")
	fs.IntVar(&o.workers, "workers", 64, "concurrent requests at most")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to send")
	fs.IntVar(&o.dup, "dup", 0, "every dup-th delivery repeats an earlier order (0: none)")
	fs.StringVar(&o.prefix, "prefix", "", "shop order id prefix (default random, so every run sends new orders)")
	fs.StringVar(&o.label, "label", "intake", "name printed in the RESULT line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.secret == "" {
		o.secret = os.Getenv("LOADGEN_SECRET")
	}
	switch {
	case o.url == "":
		return errors.New("-url is required")
	case o.secret == "":
		return errors.New("-secret or LOADGEN_SECRET is required")
	case o.workers < 1 || o.rate < 0 || o.dup < 0 || o.duration <= 0:
		return errors.New("-workers must be positive; -rate, -dup and -duration not negative")
	}
	if o.prefix == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.prefix = "lg" + hex.EncodeToString(b[:]) + "-"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r := newRunner(o)
	start := time.Now()
	if o.rate > 0 {
		r.fixedRate(ctx, start)
	} else {
		r.saturate(ctx, start)
	}
	return r.report(os.Stdout, time.Since(start))
}

type runner struct {
	o      options
	client *http.Client
	seq    atomic.Int64
	// placed is every order's placed and updated time, so that a repeated
	// order is byte for byte the same delivery content.
	placed time.Time

	mu        sync.Mutex
	latencies []time.Duration
	codes     map[int]int
	errs      int
	lastErr   string
}

func newRunner(o options) *runner {
	tr := &http.Transport{MaxIdleConns: o.workers, MaxIdleConnsPerHost: o.workers, IdleConnTimeout: time.Minute}
	return &runner{o: o, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}, codes: map[int]int{}, placed: time.Now()}
}

// saturate posts back to back from every worker until the duration ends.
func (r *runner) saturate(ctx context.Context, start time.Time) {
	end := start.Add(r.o.duration)
	var wg sync.WaitGroup
	for range r.o.workers {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(end) {
				t := time.Now()
				r.post(ctx, t)
			}
		})
	}
	wg.Wait()
}

// fixedRate sends delivery i at start + i/rate; latency counts from then.
func (r *runner) fixedRate(ctx context.Context, start time.Time) {
	n := int(r.o.duration.Seconds() * float64(r.o.rate))
	due := make(chan time.Time, r.o.workers)
	var wg sync.WaitGroup
	for range r.o.workers {
		wg.Go(func() {
			for t := range due {
				r.post(ctx, t)
			}
		})
	}
	for i := range n {
		t := start.Add(time.Duration(float64(i) * float64(time.Second) / float64(r.o.rate)))
		if d := time.Until(t); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		due <- t
	}
	close(due)
	wg.Wait()
}

// post sends the next delivery and records its latency from scheduled.
func (r *runner) post(ctx context.Context, scheduled time.Time) {
	i := r.seq.Add(1)
	id := i
	if r.o.dup > 0 && i%int64(r.o.dup) == 0 {
		id = i / 2 // an order sent before
	}
	body, err := orderBody(r.o.prefix+strconv.FormatInt(id, 10), r.placed)
	if err != nil {
		r.fail(err.Error())
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.o.url, bytes.NewReader(body))
	if err != nil {
		r.fail(err.Error())
		return
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wire.HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(wire.HeaderSignature, wire.Sign([]byte(r.o.secret), ts, body))
	req.Header.Set(wire.HeaderDelivery, fmt.Sprintf("%sd%d", r.o.prefix, i))
	req.Header.Set(wire.HeaderEvent, wire.EventOrderCreated)
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			r.fail(err.Error())
		}
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	lat := time.Since(scheduled)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.codes[resp.StatusCode]++
	if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK {
		r.latencies = append(r.latencies, lat)
	} else {
		r.errs++
		r.lastErr = resp.Status
	}
}

func (r *runner) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs++
	r.lastErr = msg
}

func (r *runner) report(w io.Writer, elapsed time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat := slices.Clone(r.latencies)
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1)+0.5)].Microseconds()) / 1000
	}
	mode := "saturation"
	if r.o.rate > 0 {
		mode = "rate" + strconv.Itoa(r.o.rate)
	}
	fmt.Fprintf(w, "RESULT figure=%s mode=%s workers=%d ok=%d stored=%d duplicate=%d errors=%d seconds=%.3f orders_per_s=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
		r.o.label, mode, r.o.workers, len(lat), r.codes[http.StatusAccepted], r.codes[http.StatusOK], r.errs,
		elapsed.Seconds(), float64(len(lat))/elapsed.Seconds(), pct(0.50), pct(0.99), pct(1))
	if r.errs > 0 {
		fmt.Fprintf(os.Stderr, "loadgen: %d errors, last: %s; status codes %v\n", r.errs, r.lastErr, r.codes)
	}
	return nil
}

var (
	price = decimal.RequireFromString("49.99")
	vat   = decimal.NewFromInt(23)
	ship  = decimal.RequireFromString("14.99")
)

// orderBody is a protocol order of two lines as a shop would send it.
func orderBody(id string, at time.Time) ([]byte, error) {
	at = at.UTC().Truncate(time.Millisecond)
	two := decimal.NewFromInt(2)
	o := wire.Order{Order: catalog.Order{
		ShopOrderID: id, Number: "#" + id, Status: catalog.StatusNew, PlacedAt: at, UpdatedAt: at,
		Currency: "PLN", PricesIncludeTax: true,
		Customer:        catalog.Customer{Kind: catalog.CustomerPerson, Email: "buyer-" + id + "@example.com", FirstName: "Jan", LastName: "Nowak"},
		Billing:         catalog.Address{Name: "Jan Nowak", Street: "Prosta 1", City: "Warszawa", PostalCode: "00-001", Country: "PL"},
		ShippingAddress: catalog.Address{Name: "Jan Nowak", Street: "Prosta 1", City: "Warszawa", PostalCode: "00-001", Country: "PL"},
		Lines: []catalog.OrderLine{
			{SKU: "SKU-0000001", Name: "Produkt 1", Quantity: two, UnitPrice: price, VATRate: vat, Total: price.Mul(two)},
			{SKU: "SKU-0000002", Name: "Produkt 2", Quantity: decimal.NewFromInt(1), UnitPrice: price, VATRate: vat, Total: price},
		},
		Shipping: catalog.Shipping{Method: "courier", Cost: ship, VATRate: vat},
		Payment:  catalog.Payment{Method: "card", Paid: true, Amount: price.Mul(decimal.NewFromInt(3)).Add(ship)},
		Total:    price.Mul(decimal.NewFromInt(3)).Add(ship),
	}}
	return json.Marshal(o)
}

package memory_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/erpbridge/erpbridge/adapters/store/memory"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
	"github.com/erpbridge/erpbridge/internal/store/storetest"
)

// sabotageEnv names the defect TestSabotaged builds into the adapter.
const sabotageEnv = "MEMORY_TEST_SABOTAGE"

// sabotaged is the memory adapter with one defect, to show that the
// conformance suite catches it.
type sabotaged struct {
	*memory.Store
	defect string
}

func (s sabotaged) Push(ctx context.Context, items []store.Item) ([]store.Result, error) {
	switch s.defect {
	case "drop-last-result":
		res, err := s.Store.Push(ctx, items)
		if len(res) > 1 {
			res = res[:len(res)-1]
		}
		return res, err
	case "rate-limit-unmarked":
		res, err := s.Store.Push(ctx, items)
		if c, _ := fault.Classify(err); c == fault.RateLimitedClass {
			err = errors.New(err.Error())
		}
		return res, err
	case "item-error-fails-batch":
		res, err := s.Store.Push(ctx, items)
		for _, r := range res {
			if r.Err != nil {
				return nil, r.Err
			}
		}
		return res, err
	}
	return s.Store.Push(ctx, items)
}

func (s sabotaged) ParseOrder(raw []byte) (catalog.Order, error) {
	o, err := s.Store.ParseOrder(raw)
	if s.defect == "lenient-parse" {
		return o, nil
	}
	return o, err
}

func (s sabotaged) Orders(ctx context.Context, since time.Time, page string) (store.OrderPage, error) {
	p, err := s.Store.Orders(ctx, since, page)
	if s.defect == "lose-order-on-later-page" && page != "" && len(p.Orders) > 0 {
		p.Orders = p.Orders[1:]
	}
	return p, err
}

func (s sabotaged) VerifyWebhook(h http.Header, body []byte) error {
	if s.defect == "accept-any-signature" {
		return nil
	}
	return s.Store.VerifyWebhook(h, body)
}

// TestSabotaged runs the suite against a defective adapter; it runs only
// in the child process TestSuiteCatchesDefects starts.
func TestSabotaged(t *testing.T) {
	defect := os.Getenv(sabotageEnv)
	if defect == "" {
		t.Skipf("skip: runs only under TestSuiteCatchesDefects (%s unset)", sabotageEnv)
	}
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) (store.Store, storetest.Shop) {
			shop := memory.NewShop()
			conn := memory.DefaultConnection()
			conn.BatchSize, conn.OrderPageSize = 10, 2
			st, err := memory.New("sabotaged", shop, conn, memory.Credentials{WebhookSecret: "s3cret"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return sabotaged{st, defect}, backdoor{shop}
		},
		OrderPageSize: 2,
	})
}

// TestSuiteCatchesDefects shows that the conformance suite fails adapters
// with typical defects, each in the subtest meant to catch it.
func TestSuiteCatchesDefects(t *testing.T) {
	if testing.Short() {
		t.Skip("skip: starts the test binary once per defect; not in -short")
	}
	t.Parallel()
	cases := []struct{ defect, subtest string }{
		{"drop-last-result", "Push/FullBatch"},
		{"rate-limit-unmarked", "Faults/RateLimit"},
		{"item-error-fails-batch", "Push/BadItem"},
		{"lenient-parse", "Orders/ParseGarbage"},
		{"lose-order-on-later-page", "Orders/Pages"},
		{"accept-any-signature", "Webhooks/Signed"},
	}
	for _, c := range cases {
		t.Run(c.defect, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0],
				"-test.run", "^TestSabotaged$/^"+strings.ReplaceAll(c.subtest, "/", "$/^")+"$", "-test.v")
			cmd.Env = append(os.Environ(), sabotageEnv+"="+c.defect)
			out, err := cmd.CombinedOutput()
			want := "--- FAIL: TestSabotaged/" + c.subtest
			if err == nil || !strings.Contains(string(out), want) {
				t.Errorf("suite did not catch %q in %s (exit error %v); output:\n%s", c.defect, c.subtest, err, out)
			}
		})
	}
}

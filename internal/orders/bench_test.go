package orders_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/erpbridge/erpbridge/internal/httpapi"
)

// BenchmarkWebhookIntake measures durable webhook intake through the real
// HTTP handler: each operation is one new order, verified and committed to
// the inbox before its 202. Run with
//
//	go test -run '^$' -bench WebhookIntake -benchtime 2000x ./internal/orders/
//
// (add ERPBRIDGE_TEST_POSTGRES for the PostgreSQL variant). orders/s is
// reported as a metric.
func BenchmarkWebhookIntake(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchIntake(b, "", "") })
	b.Run("postgres", func(b *testing.B) {
		dsn := os.Getenv(postgresEnv)
		if dsn == "" {
			b.Skipf("set %s to benchmark on PostgreSQL", postgresEnv)
		}
		benchIntake(b, "postgres", tempPostgres(b, dsn))
	})
}

func benchIntake(b *testing.B, driver, dsn string) {
	bd := setup(b, driver, dsn)
	ids := bd.place(b, b.N)
	type delivery struct {
		h    http.Header
		body []byte
	}
	ds := make([]delivery, len(ids))
	for i, id := range ids {
		h, body, err := bd.shop.OrderWebhook(id)
		if err != nil {
			b.Fatal(err)
		}
		ds[i] = delivery{h, body}
	}
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Options{Webhooks: bd.svc}))
	defer srv.Close()
	var next atomic.Int64
	var bad atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d := ds[next.Add(1)-1]
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/"+bd.store, bytes.NewReader(d.body))
			req.Header = d.h
			resp, err := srv.Client().Do(req)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				bad.Add(1)
			}
			if resp != nil {
				resp.Body.Close()
			}
		}
	})
	b.StopTimer()
	if bad.Load() != 0 {
		b.Fatalf("%d deliveries not stored", bad.Load())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

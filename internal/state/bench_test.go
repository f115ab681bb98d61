package state

import (
	"os"
	"strconv"
	"testing"
)

// BenchmarkInsertOrder measures storing one new order, the step a webhook
// waits for before answering.
func BenchmarkInsertOrder(b *testing.B) {
	type engine struct {
		name string
		open opener
	}
	engines := []engine{{"sqlite", openTestSQLite}}
	if dsn := os.Getenv(postgresEnv); dsn != "" {
		engines = append(engines, engine{"postgres", postgresOpener(dsn)})
	}
	payload := []byte(`{"id":1,"line_items":[{"sku":"A","quantity":1,"price":"19.99"}],"total":"19.99"}`)
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			db := migrated(b, e.open)
			ctx := b.Context()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, created, err := db.InsertOrder(ctx, InboxOrder{Store: "b2c", ShopOrderID: strconv.Itoa(i), Payload: payload}); err != nil || !created {
					b.Fatalf("InsertOrder: created %v, %v", created, err)
				}
			}
		})
	}
}

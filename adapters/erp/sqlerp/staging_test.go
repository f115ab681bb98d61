package sqlerp_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/erpbridge/erpbridge/adapters/erp/sqlerp"
	"github.com/erpbridge/erpbridge/internal/erp/erptest"
)

// TestStagingCustomerMatch: the customer's match key and the retail
// customer's ERP code reach their staging columns on every engine.
func TestStagingCustomerMatch(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			env, params := newEnvParams(t, e, sqlerp.ProfileOptima)
			ctx := context.Background()
			for _, o := range []struct {
				id, match, retail string
			}{{"r1", "retail", "DETAL"}, {"n1", "nip", ""}} {
				order := erptest.Order("b2c", o.id)
				order.Customer.MatchKey, order.Customer.RetailCustomer = o.match, o.retail
				if _, err := env.Source.WriteOrder(ctx, order); err != nil {
					t.Fatal(err)
				}
				db, err := sqlerp.Open(params.Driver, params.DSN, params.Options.(*sqlerp.Options).SQLiteAttach, 1)
				if err != nil {
					t.Fatal(err)
				}
				orders, _ := env.Source.(*sqlerp.Source).StagingTables()
				var match, code sql.NullString
				err = db.QueryRowContext(ctx, db.Rebind("SELECT customer_match, retail_customer FROM "+orders+" WHERE store = ? AND shop_order_id = ?"),
					"b2c", o.id).Scan(&match, &code)
				db.Close()
				if err != nil {
					t.Fatal(err)
				}
				if match.String != o.match || code.String != o.retail || code.Valid != (o.retail != "") {
					t.Errorf("order %s staged with customer_match %v, retail_customer %v; want %q, %q", o.id, match, code, o.match, o.retail)
				}
			}
		})
	}
}

package shopserver_test

import (
	"encoding/json"
	"testing"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/shopserver"
	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
)

// FuzzPutItems feeds arbitrary bodies to PUT /v1/items: the server never
// panics, answers 200, 400 or 413, and a 200 has one result per item.
func FuzzPutItems(f *testing.F) {
	f.Add(`{"items":[{"kind":"product","sku":"P","op":"upsert","doc":{"sku":"P","name":"N","vat_rate":"23"}}]}`)
	f.Add(`{"items":[{"kind":"price","sku":"P","op":"upsert","doc":{"sku":"P","currency":"PLN","regular":"1e999999999"}}]}`)
	f.Add(`{"items":[{"kind":"stock","sku":"P","op":"delete","doc":null},{"kind":"variant","sku":"V","op":"upsert","doc":{"sku":"V","parent_sku":"V","name":"x"}}]}`)
	f.Add(`{"items":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		s := newServer(t, shopserver.NewMemory(), 10)
		a := do(t, s, "PUT", "/v1/items", body, true)
		switch a.status {
		case 200:
			var req wire.ItemsRequest
			var resp wire.ItemsResponse
			if json.Unmarshal([]byte(body), &req) != nil || json.Unmarshal([]byte(a.body), &resp) != nil {
				t.Fatalf("200 for %q: %s", body, a.body)
			}
			if len(resp.Results) != len(req.Items) {
				t.Fatalf("%d results for %d items", len(resp.Results), len(req.Items))
			}
		case 400, 413:
			if errCode(t, a.body) == "" {
				t.Fatalf("%d without an error code: %s", a.status, a.body)
			}
		default:
			t.Fatalf("status %d for %q: %s", a.status, body, a.body)
		}
	})
}

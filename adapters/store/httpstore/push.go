package httpstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/erpbridge/erpbridge/adapters/store/httpstore/wire"
	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/fault"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Push implements store.Store with one PUT /v1/items. Items the adapter can
// tell are wrong (unknown kind or op, a doc of the wrong type) get a
// Permanent result without being sent. More than BatchSize items is
// rejected as a whole with a Permanent error before any request.
func (s *Store) Push(ctx context.Context, items []store.Item) ([]store.Result, error) {
	if len(items) > s.batchSize {
		return nil, fault.Permanentf("httpstore: push of %d items; the batch size is %d", len(items), s.batchSize)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("httpstore: push: %w", err)
	}
	results := make([]store.Result, len(items))
	var req wire.ItemsRequest
	var at []int
	for i, it := range items {
		results[i] = store.Result{Kind: it.Kind, SKU: it.SKU, ShopID: it.ShopID}
		wi, err := toWire(it)
		if err != nil {
			results[i].Err = fault.Permanent(fmt.Errorf("httpstore: %s %q: %w", it.Kind, it.SKU, err))
			continue
		}
		req.Items = append(req.Items, wi)
		at = append(at, i)
	}
	if len(req.Items) == 0 {
		return results, nil
	}
	c := call{method: http.MethodPut, path: "/v1/items", body: req}
	data, err := s.do(ctx, c)
	if err != nil {
		return nil, err
	}
	var resp wire.ItemsResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, malformed(c, "%v", err)
	}
	if len(resp.Results) != len(req.Items) {
		return nil, malformed(c, "%d results for %d items", len(resp.Results), len(req.Items))
	}
	for j, r := range resp.Results {
		wi := req.Items[j]
		if r.Kind != wi.Kind || r.SKU != wi.SKU {
			return nil, malformed(c, "result %d is for %s %q, not %s %q", j, r.Kind, r.SKU, wi.Kind, wi.SKU)
		}
		res := &results[at[j]]
		switch r.Status {
		case wire.StatusOK:
			if r.ShopID == "" && wi.Op == store.OpUpsert {
				return nil, malformed(c, "result %d (%s %q) is ok without a shop_id", j, r.Kind, r.SKU)
			}
			res.ShopID = r.ShopID
		case wire.StatusError:
			if r.Error == nil {
				return nil, malformed(c, "result %d (%s %q) is an error without a reason", j, r.Kind, r.SKU)
			}
			ierr := fmt.Errorf("httpstore: %s %q: shop refused it: %s: %s", r.Kind, r.SKU, r.Error.Code, truncate(r.Error.Message, maxMessageBytes))
			switch {
			case wi.ShopID != "" && (r.Error.Code == wire.CodeNotFound || r.Error.Code == wire.CodeUnknownSKU):
				// The id the hub sent is gone (deleted in the shop): the hub
				// forgets it and creates or binds the item again.
				ierr = store.NotInShop(ierr)
			case r.Error.Permanent:
				ierr = fault.Permanent(ierr)
			}
			res.Err = ierr
		default:
			return nil, malformed(c, "result %d has status %q", j, r.Status)
		}
	}
	return results, nil
}

// toWire encodes one item; an error means the item cannot be sent.
func toWire(it store.Item) (wire.Item, error) {
	wi := wire.Item{Kind: it.Kind, SKU: it.SKU, Op: it.Op, ShopID: it.ShopID}
	switch it.Op {
	case store.OpUpsert, store.OpDeactivate, store.OpDelete:
	default:
		return wi, fmt.Errorf("unknown op %q", it.Op)
	}
	if it.SKU == "" {
		return wi, errors.New("empty sku")
	}
	var doc any
	switch it.Kind {
	case catalog.KindProduct, catalog.KindVariant:
		switch d := it.Doc.(type) {
		case *store.ProductDoc:
			if d != nil {
				doc = d
			}
		case store.ProductDoc:
			doc = d
		}
	case catalog.KindCategory:
		switch d := it.Doc.(type) {
		case *store.CategoryDoc:
			if d != nil {
				doc = d
			}
		case store.CategoryDoc:
			doc = d
		}
	case catalog.KindPrice:
		switch d := it.Doc.(type) {
		case *store.PriceDoc:
			if d != nil {
				doc = d
			}
		case store.PriceDoc:
			doc = d
		}
	case catalog.KindStock:
		switch d := it.Doc.(type) {
		case *store.StockDoc:
			if d != nil {
				doc = d
			}
		case store.StockDoc:
			doc = d
		}
	default:
		return wi, fmt.Errorf("kind %q is not pushed to this store", it.Kind)
	}
	if doc == nil {
		if it.Doc != nil {
			return wi, fmt.Errorf("doc of type %T does not fit kind %s", it.Doc, it.Kind)
		}
		if it.Op == store.OpUpsert {
			return wi, fmt.Errorf("upsert needs a doc for kind %s", it.Kind)
		}
		return wi, nil
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return wi, fmt.Errorf("encoding doc: %w", err)
	}
	wi.Doc = raw
	return wi, nil
}

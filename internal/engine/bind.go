package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/state"
	"github.com/erpbridge/erpbridge/internal/store"
)

// BindCursor names the state cursor that records a store was bound.
func BindCursor(storeID string) string { return "bind." + storeID }

// BindSummary says what binding found.
type BindSummary struct {
	Store string
	// Skipped is true when the store was bound before or its adapter cannot
	// list what the shop has.
	Skipped   bool
	BySKU     int
	ByEAN     int
	ShopItems int
	// Unmatched samples hub items the shop does not have (they will be
	// created) and shop items no hub item matches (they are left alone).
	NewInShop     int
	UnmatchedShop int
	Samples       []string
}

// Bind matches the items the hub wants in a store against what the shop
// already has, by SKU, then EAN, and records the shop's ids, so the first
// push updates existing products instead of creating duplicates. It runs
// once per store (a cursor records it) after the first projection and before
// the first push; force runs it again.
func Bind(ctx context.Context, db *state.DB, st *Store, force bool, log *slog.Logger) (BindSummary, error) {
	sum := BindSummary{Store: st.ID}
	b, ok := st.Adapter.(store.Binder)
	if !ok {
		sum.Skipped = true
		return sum, nil
	}
	if _, done, err := db.Cursor(ctx, BindCursor(st.ID)); err != nil || (done && !force) {
		sum.Skipped = done
		return sum, err
	}
	type want struct {
		kind catalog.Kind
		sku  string
	}
	bySKU := map[string]want{}
	byEAN := map[string]want{}
	err := db.StreamStoreItems(ctx, st.ID, func(it state.StoreItem) error {
		k := catalog.Kind(it.Kind)
		if (k != catalog.KindProduct && k != catalog.KindVariant) || it.ShopID != "" {
			return nil
		}
		w := want{k, it.SKU}
		bySKU[it.SKU] = w
		var env Envelope
		var doc store.ProductDoc
		if json.Unmarshal(it.DesiredPayload, &env) == nil && json.Unmarshal(env.Doc, &doc) == nil && doc.EAN != "" {
			byEAN[doc.EAN] = w
		}
		return nil
	})
	if err != nil {
		return sum, err
	}
	if len(bySKU) == 0 {
		// Nothing projected yet (or everything bound): bind on a later run.
		sum.Skipped = true
		return sum, nil
	}
	matched := map[want]bool{}
	err = b.ListItems(ctx, func(e store.Existing) error {
		sum.ShopItems++
		w, ok := bySKU[e.SKU]
		how := &sum.BySKU
		if !ok || e.SKU == "" || matched[w] {
			w, ok = byEAN[e.EAN]
			how = &sum.ByEAN
			if !ok || e.EAN == "" || matched[w] {
				sum.UnmatchedShop++
				if len(sum.Samples) < 20 {
					sum.Samples = append(sum.Samples, fmt.Sprintf("in the shop only: %s %q (EAN %q, id %s)", e.Kind, e.SKU, e.EAN, e.ShopID))
				}
				return nil
			}
		}
		bound, err := db.Bind(ctx, st.ID, string(w.kind), w.sku, e.ShopID)
		if err != nil {
			return err
		}
		if bound {
			matched[w] = true
			*how++
		}
		return nil
	})
	if err != nil {
		return sum, fmt.Errorf("engine: listing what store %s has: %w", st.ID, err)
	}
	for _, w := range bySKU {
		if !matched[w] {
			sum.NewInShop++
			if len(sum.Samples) < 40 {
				sum.Samples = append(sum.Samples, fmt.Sprintf("new in the shop: %s %q", w.kind, w.sku))
			}
		}
	}
	if err := db.SetCursor(ctx, nil, BindCursor(st.ID), "done"); err != nil {
		return sum, err
	}
	if log != nil {
		log.Info("store bound", slog.String("store", st.ID), slog.Int("by_sku", sum.BySKU), slog.Int("by_ean", sum.ByEAN),
			slog.Int("new_in_shop", sum.NewInShop), slog.Int("shop_only", sum.UnmatchedShop))
	}
	return sum, nil
}

package sqlerp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/erpbridge/erpbridge/internal/catalog"
	"github.com/erpbridge/erpbridge/internal/erp"
)

// Snapshot implements erp.Source: it streams every record of kinds, kind by
// kind in the order given, to fn. Kinds whose query the profile lacks
// (variants, images) yield nothing.
func (s *Source) Snapshot(ctx context.Context, kinds []catalog.Kind, fn func(catalog.Record) error) error {
	for _, k := range kinds {
		start := time.Now()
		n := 0
		count := func(r catalog.Record) error { n++; return fn(r) }
		if err := s.snapshotKind(ctx, k, count); err != nil {
			return err
		}
		s.log.LogAttrs(ctx, slog.LevelDebug, "erp snapshot read",
			slog.String("kind", string(k)), slog.Int("records", n), slog.Duration("took", time.Since(start)))
	}
	return nil
}

func (s *Source) snapshotKind(ctx context.Context, k catalog.Kind, fn func(catalog.Record) error) error {
	switch k {
	case catalog.KindCategory:
		return s.readCategories(ctx, fn)
	case catalog.KindAttribute:
		return s.readAttributes(ctx, 0, fn)
	case catalog.KindPriceList:
		return s.readPriceLists(ctx, 0, fn)
	case catalog.KindWarehouse:
		return s.readWarehouses(ctx, 0, fn)
	case catalog.KindProduct:
		return s.readProducts(ctx, QueryProducts, nil, 0, fn, nil)
	case catalog.KindVariant:
		if !s.prof.Has(QueryVariants) {
			return nil
		}
		return s.readVariants(ctx, QueryVariants, nil, 0, fn, nil)
	case catalog.KindImage:
		if !s.prof.Has(QueryImages) {
			return nil
		}
		return s.readImages(ctx, QueryImages, nil, 0, fn)
	case catalog.KindPrice:
		return s.readPrices(ctx, 0, fn)
	case catalog.KindStock:
		return s.readStock(ctx, 0, fn)
	case catalog.KindCurrencyRate:
		if !s.prof.Has(QueryCurrencyRates) {
			return nil
		}
		return s.readCurrencyRates(ctx, 0, fn)
	}
	return fmt.Errorf("sqlerp: snapshot: unknown kind %q", k)
}

// Changes implements erp.Source for products and variants: with
// options.change_tracking by SQL Server Change Tracking (see ct.go),
// otherwise by the modified_at watermark: it reads records with modified_at at or after the
// cursor minus the overlap window (plus an hour near a daylight-saving
// change, when local wall-clock times repeat). The next cursor is the latest
// modified_at seen, never earlier than cursor.
func (s *Source) Changes(ctx context.Context, cursor string, fn func(catalog.Record) error) (string, error) {
	if s.opt.ChangeTracking {
		return ctChanges(ctx, sqlTracker{s}, s.log, cursor, fn)
	}
	prev, err := parseCursor(cursor)
	if err != nil {
		return cursor, err
	}
	since := s.sinceParam(prev)
	latest := prev
	seen := func(t time.Time) {
		if t.After(latest) {
			latest = t
		}
	}
	extra := map[string]any{"since": since}
	if s.prof.Has(QueryProductsChanges) {
		if err := s.readProducts(ctx, QueryProductsChanges, extra, 0, fn, seen); err != nil {
			return cursor, err
		}
	}
	if s.prof.Has(QueryVariantsChanges) && s.prof.Has(QueryVariants) {
		if err := s.readVariants(ctx, QueryVariantsChanges, extra, 0, fn, seen); err != nil {
			return cursor, err
		}
	}
	if latest.IsZero() {
		return cursor, nil
	}
	return formatCursor(latest), nil
}

// parseCursor reads a cursor: "" or UTC RFC 3339 text.
func parseCursor(c string) (time.Time, error) {
	if c == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, c)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlerp: cursor %q is not RFC 3339 time: %w", c, err)
	}
	return t.UTC(), nil
}

func formatCursor(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// lowerBound is cursor minus the overlap, minus one more hour when the ERP
// zone changes its offset within a day of the cursor.
func (s *Source) lowerBound(cursor time.Time) time.Time {
	lb := cursor.Add(-s.opt.Overlap)
	_, o1 := cursor.Add(-26 * time.Hour).In(s.loc).Zone()
	_, o2 := cursor.In(s.loc).Zone()
	_, o3 := cursor.Add(26 * time.Hour).In(s.loc).Zone()
	if o1 != o2 || o2 != o3 {
		lb = lb.Add(-time.Hour)
	}
	return lb
}

// sinceParam is the :since parameter for a cursor, in the ERP's local time
// and the profile's watermark unit.
func (s *Source) sinceParam(cursor time.Time) any {
	var wall time.Time
	if cursor.IsZero() {
		wall = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	} else {
		wall = s.lowerBound(cursor).In(s.loc)
	}
	if s.prof.Watermark == watermarkXLSeconds {
		if cursor.IsZero() {
			return int64(0)
		}
		return xlSeconds(wall)
	}
	return s.d.timeParam(wall)
}

var (
	xlEpoch    = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	xlDayEpoch = time.Date(1800, 12, 28, 0, 0, 0, 0, time.UTC)
)

// xlSeconds is a local wall-clock time as Comarch XL counts it: seconds since
// 1990-01-01 00:00 local time.
func xlSeconds(wall time.Time) int64 {
	w := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
	return int64(w.Sub(xlEpoch) / time.Second)
}

// xlWall turns Comarch XL seconds back into a wall-clock time.
func xlWall(secs int64) time.Time { return xlEpoch.Add(time.Duration(secs) * time.Second) }

// xlDay is the date of local time t in Comarch XL's day count (days since
// 1800-12-28).
func xlDay(t time.Time) int64 {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return int64(d.Sub(xlDayEpoch).Hours() / 24)
}

// modifiedAt reads the modified_at column as a UTC time.
func (s *Source) modifiedAt(r *row) (*time.Time, error) {
	if r.null("modified_at") {
		return nil, nil
	}
	var wall time.Time
	if s.prof.Watermark == watermarkXLSeconds {
		n, _, err := r.int64("modified_at")
		if err != nil {
			return nil, err
		}
		wall = xlWall(n)
	} else {
		w, _, err := r.wall("modified_at")
		if err != nil {
			return nil, err
		}
		wall = w
	}
	t := inZone(wall, s.loc).UTC()
	return &t, nil
}

func (s *Source) readProducts(ctx context.Context, q string, extra map[string]any, limit int, fn func(catalog.Record) error, seen func(time.Time)) error {
	var cur *catalog.Product
	var curID string
	cats := map[string]bool{}
	flush := func() error {
		if cur == nil {
			return nil
		}
		for c := range cats {
			cur.Categories = append(cur.Categories, c)
		}
		sort.Strings(cur.Categories)
		clear(cats)
		p := *cur
		cur = nil
		return fn(p)
	}
	err := s.stream(ctx, q, extra, limit, func(r *row) error {
		id := r.str("id")
		if id == "" {
			id = r.str("sku")
		}
		if cur == nil || id != curID {
			if err := flush(); err != nil {
				return err
			}
			p, err := s.product(r)
			if err != nil {
				return err
			}
			if seen != nil && p.ModifiedAt != nil {
				seen(*p.ModifiedAt)
			}
			cur, curID = &p, id
		}
		if c := strings.TrimSpace(r.str("category_code")); c != "" {
			cats[c] = true
		}
		code := r.str("attribute_code")
		if code != "" && !s.skip[code] && !r.null("attribute_value") {
			if cur.Attributes == nil {
				cur.Attributes = map[string]string{}
			}
			cur.Attributes[code] = r.str("attribute_value")
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

func (s *Source) product(r *row) (catalog.Product, error) {
	p := catalog.Product{
		SKU:         strings.TrimSpace(r.str("sku")),
		ERPID:       r.str("id"),
		Name:        r.str("name"),
		Description: r.str("description"),
		EAN:         strings.TrimSpace(r.str("ean")),
		Unit:        strings.TrimSpace(r.str("unit")),
		Active:      r.boolean("active"),
		EShop:       r.boolean("eshop"),
		Service:     r.boolean("service"),
	}
	if p.SKU == "" {
		return p, fmt.Errorf("sqlerp: query %s: product %s has no SKU", r.query, p.ERPID)
	}
	vat, _, err := r.dec("vat_rate")
	if err != nil {
		return p, err
	}
	p.VATRate = vat
	if w, ok, err := r.dec("weight_kg"); err != nil {
		return p, err
	} else if ok {
		p.WeightKG = &w
	}
	if pp, ok, err := r.dec("purchase_price"); err != nil {
		return p, err
	} else if ok {
		p.PurchasePrice = &pp
	}
	if p.ModifiedAt, err = s.modifiedAt(r); err != nil {
		return p, err
	}
	return p, nil
}

func (s *Source) readVariants(ctx context.Context, q string, extra map[string]any, limit int, fn func(catalog.Record) error, seen func(time.Time)) error {
	var cur *catalog.Variant
	var curID string
	flush := func() error {
		if cur == nil {
			return nil
		}
		v := *cur
		cur = nil
		return fn(v)
	}
	err := s.stream(ctx, q, extra, limit, func(r *row) error {
		id := r.str("id")
		if id == "" {
			id = r.str("sku")
		}
		if cur == nil || id != curID {
			if err := flush(); err != nil {
				return err
			}
			v := catalog.Variant{
				SKU:        strings.TrimSpace(r.str("sku")),
				ProductSKU: strings.TrimSpace(r.str("product_sku")),
				Name:       r.str("name"),
				EAN:        strings.TrimSpace(r.str("ean")),
				Active:     r.boolean("active"),
			}
			if seen != nil {
				m, err := s.modifiedAt(r)
				if err != nil {
					return err
				}
				if m != nil {
					seen(*m)
				}
			}
			cur, curID = &v, id
		}
		name := r.str("option_name")
		if name == "" || s.skip[name] || r.null("option_value") || (s.axes != nil && !s.axes[name]) {
			return nil
		}
		if cur.Options == nil {
			cur.Options = map[string]string{}
		}
		cur.Options[name] = r.str("option_value")
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// readCategories holds the category rows in memory (a group tree is small)
// to build each category's path from the root.
func (s *Source) readCategories(ctx context.Context, fn func(catalog.Record) error) error {
	var all []catalog.Category
	byCode := map[string]int{}
	err := s.stream(ctx, QueryCategories, nil, 0, func(r *row) error {
		c := catalog.Category{Code: strings.TrimSpace(r.str("code")), ParentCode: strings.TrimSpace(r.str("parent_code")), Name: r.str("name")}
		if c.Code == "" {
			return nil
		}
		if c.ParentCode == c.Code {
			c.ParentCode = ""
		}
		byCode[c.Code] = len(all)
		all = append(all, c)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range all {
		var names []string
		c := all[i]
		for depth := 0; depth < 64; depth++ {
			names = append(names, c.Name)
			j, ok := byCode[c.ParentCode]
			if c.ParentCode == "" || !ok {
				break
			}
			c = all[j]
		}
		for l, r := 0, len(names)-1; l < r; l, r = l+1, r-1 {
			names[l], names[r] = names[r], names[l]
		}
		all[i].Path = strings.Join(names, "/")
	}
	for _, c := range all {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

func (s *Source) readAttributes(ctx context.Context, limit int, fn func(catalog.Record) error) error {
	return s.stream(ctx, QueryAttributes, nil, limit, func(r *row) error {
		a := catalog.Attribute{Code: strings.TrimSpace(r.str("code")), Name: r.str("name"), Type: r.str("type")}
		if a.Code == "" {
			return nil
		}
		return fn(a)
	})
}

func (s *Source) readPriceLists(ctx context.Context, limit int, fn func(catalog.Record) error) error {
	return s.stream(ctx, QueryPriceLists, nil, limit, func(r *row) error {
		l := catalog.PriceList{
			Code: strings.TrimSpace(r.str("code")), Name: r.str("name"),
			Currency: strings.TrimSpace(r.str("currency")), Gross: r.boolean("gross"), Active: true,
		}
		if !r.null("active") {
			l.Active = r.boolean("active")
		}
		if l.Currency == "" {
			l.Currency = "PLN"
		}
		if l.Code == "" {
			return nil
		}
		return fn(l)
	})
}

func (s *Source) readWarehouses(ctx context.Context, limit int, fn func(catalog.Record) error) error {
	return s.stream(ctx, QueryWarehouses, nil, limit, func(r *row) error {
		w := catalog.Warehouse{Code: strings.TrimSpace(r.str("code")), Name: r.str("name")}
		if w.Code == "" {
			return nil
		}
		return fn(w)
	})
}

func (s *Source) readPrices(ctx context.Context, limit int, fn func(catalog.Record) error) error {
	return s.stream(ctx, QueryPrices, nil, limit, func(r *row) error {
		amount, ok, err := r.dec("amount")
		if err != nil || !ok {
			return err
		}
		p := catalog.Price{
			SKU: strings.TrimSpace(r.str("sku")), PriceList: strings.TrimSpace(r.str("price_list")),
			Amount: amount, Currency: strings.TrimSpace(r.str("currency")), Gross: r.boolean("gross"),
		}
		if p.Currency == "" {
			p.Currency = "PLN"
		}
		return fn(p)
	})
}

func (s *Source) readStock(ctx context.Context, limit int, fn func(catalog.Record) error) error {
	return s.stream(ctx, QueryStock, nil, limit, func(r *row) error {
		onHand, _, err := r.dec("on_hand")
		if err != nil {
			return err
		}
		reserved, _, err := r.dec("reserved")
		if err != nil {
			return err
		}
		st := catalog.StockLevel{
			SKU: strings.TrimSpace(r.str("sku")), Warehouse: strings.TrimSpace(r.str("warehouse")),
			OnHand: onHand, Reserved: reserved, Available: subDec(onHand, reserved),
		}
		if av, ok, err := r.dec("available"); err != nil {
			return err
		} else if ok {
			st.Available = av
		}
		return fn(st)
	})
}

// imageRow is one row of an images query with its data.
type imageRow struct {
	img  catalog.Image
	data []byte
}

// readImageRows streams image rows with positions numbered per product.
func (s *Source) readImageRows(ctx context.Context, q string, extra map[string]any, limit int, fn func(imageRow) error) error {
	var curID string
	pos := 0
	return s.stream(ctx, q, extra, limit, func(r *row) error {
		id := r.str("product_id")
		if id == "" {
			id = r.str("sku")
		}
		if id != curID {
			curID, pos = id, 0
		}
		url := strings.TrimSpace(r.str("url"))
		data := r.bytes("data")
		if url == "" && len(data) == 0 {
			return nil
		}
		pos++
		img := catalog.Image{ProductSKU: strings.TrimSpace(r.str("sku")), Position: pos, Alt: r.str("alt")}
		if url != "" {
			img.URL = resolveImageURL(s.opt.ImageBaseURL, url)
		} else {
			sum := sha256.Sum256(data)
			img.ContentHash = hex.EncodeToString(sum[:])
			img.ContentType = http.DetectContentType(data)
		}
		return fn(imageRow{img: img, data: data})
	})
}

func (s *Source) readImages(ctx context.Context, q string, extra map[string]any, limit int, fn func(catalog.Record) error) error {
	return s.readImageRows(ctx, q, extra, limit, func(ir imageRow) error { return fn(ir.img) })
}

// resolveImageURL puts base in front of a relative image path.
func resolveImageURL(base, u string) string {
	if base == "" || strings.Contains(u, "://") {
		return u
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(strings.ReplaceAll(u, "\\", "/"), "/")
}

// ImageData implements erp.ImageReader: the bytes of product sku's binary
// image at position (as in catalog.Image) whose content hash is hash, so a
// URL that contains an old hash never serves new bytes.
func (s *Source) ImageData(ctx context.Context, sku string, position int, hash string) ([]byte, error) {
	if !s.prof.Has(QueryImageData) {
		return nil, fmt.Errorf("%w: profile %s has no %s query", erp.ErrImageNotFound, s.prof.Name, QueryImageData)
	}
	var data []byte
	found := false
	err := s.readImageRows(ctx, QueryImageData, map[string]any{"sku": sku}, 0, func(ir imageRow) error {
		if ir.img.Position == position && ir.img.ProductSKU == sku && ir.img.ContentHash == hash {
			data, found = ir.data, true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: %s#%d", erp.ErrImageNotFound, sku, position)
	}
	return data, nil
}

package sqlerp

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Profile names.
const (
	ProfileOptima  = "comarch-optima"
	ProfileXL      = "comarch-xl"
	ProfileGeneric = "generic"
	ProfileCustom  = "custom"
)

// Profiles lists the profiles the adapter accepts.
var Profiles = []string{ProfileOptima, ProfileXL, ProfileGeneric, ProfileCustom}

// Query names. Each returns the columns documented in docs/staging-contract.md
// ("Profile queries"); the adapter maps them to catalog records by name.
const (
	QueryCategories      = "categories"
	QueryAttributes      = "attributes"
	QueryPriceLists      = "price_lists"
	QueryWarehouses      = "warehouses"
	QueryProducts        = "products"
	QueryProductsChanges = "products_changes"
	QueryVariants        = "variants"
	QueryVariantsChanges = "variants_changes"
	QueryImages          = "images"
	QueryImageData       = "image_data"
	QueryPrices          = "prices"
	QueryStock           = "stock"
	// QueryCurrencyRates is the ERP's exchange rate table (optional; read
	// when a store sets rate_from_erp).
	QueryCurrencyRates = "currency_rates"
)

// QueryNames lists every query a profile may have, in the order Check runs them.
var QueryNames = []string{
	QueryCategories, QueryAttributes, QueryPriceLists, QueryWarehouses,
	QueryProducts, QueryProductsChanges, QueryVariants, QueryVariantsChanges,
	QueryImages, QueryImageData, QueryPrices, QueryStock, QueryCurrencyRates,
}

// requiredQueries must exist in every profile.
var requiredQueries = []string{
	QueryCategories, QueryAttributes, QueryPriceLists, QueryWarehouses,
	QueryProducts, QueryPrices, QueryStock,
}

// requiredColumns are the columns each query must return.
var requiredColumns = map[string][]string{
	QueryCategories:      {"code", "name"},
	QueryAttributes:      {"code", "name"},
	QueryPriceLists:      {"code", "name"},
	QueryWarehouses:      {"code", "name"},
	QueryProducts:        {"sku", "name"},
	QueryProductsChanges: {"sku", "name", "modified_at"},
	QueryVariants:        {"sku", "product_sku"},
	QueryVariantsChanges: {"sku", "product_sku", "modified_at"},
	QueryImages:          {"sku"},
	QueryImageData:       {"sku"},
	QueryPrices:          {"sku", "price_list", "amount"},
	QueryStock:           {"sku", "warehouse", "on_hand"},
	QueryCurrencyRates:   {"currency", "rate", "valid_from"},
}

// Watermark kinds: how a profile's modified_at column counts time.
const (
	watermarkDatetime  = "datetime"
	watermarkXLSeconds = "comarch-xl-seconds"
)

//go:embed profiles
var profileFS embed.FS

// Profile is the set of named queries for one ERP schema.
type Profile struct {
	Name string
	// Watermark is how modified_at counts time (datetime or comarch-xl-seconds).
	Watermark string
	// queries maps a query name to its texts by dialect; "" is the text for
	// every dialect without its own.
	queries map[string]map[string]string
}

// Text returns the query's text for dialect and whether the profile has it.
func (p *Profile) Text(name, dialect string) (string, bool) {
	v, ok := p.queries[name]
	if !ok {
		return "", false
	}
	if t, ok := v[dialect]; ok {
		return t, true
	}
	t, ok := v[""]
	return t, ok
}

// Has reports whether the profile has the query.
func (p *Profile) Has(name string) bool { _, ok := p.queries[name]; return ok }

// Names returns the profile's query names in QueryNames order.
func (p *Profile) Names() []string {
	var out []string
	for _, n := range QueryNames {
		if p.Has(n) {
			out = append(out, n)
		}
	}
	return out
}

// Variants returns, for each query, the dialects with their own text
// ("" for the shared text), for the docs' table of variants.
func (p *Profile) Variants() map[string][]string {
	out := map[string][]string{}
	for n, v := range p.queries {
		for d := range v {
			out[n] = append(out[n], d)
		}
		sort.Strings(out[n])
	}
	return out
}

var fileNameRe = regexp.MustCompile(`^([a-z_]+)(?:\.(sqlserver|postgres|mysql|sqlite))?\.sql$`)

// LoadProfile returns the named profile. Shipped profiles come from the
// embedded SQL files; queries (name or name.dialect → file path) replace or
// add queries and are the whole of the custom profile.
func LoadProfile(name string, queries map[string]string, watermark string) (*Profile, error) {
	p := &Profile{Name: name, Watermark: watermarkDatetime, queries: map[string]map[string]string{}}
	switch name {
	case ProfileOptima, ProfileGeneric:
	case ProfileXL:
		p.Watermark = watermarkXLSeconds
	case ProfileCustom:
		if watermark != "" {
			p.Watermark = watermark
		}
		if len(queries) == 0 {
			return nil, fmt.Errorf("sqlerp: profile custom needs options.queries (query name → SQL file)")
		}
	default:
		return nil, fmt.Errorf("sqlerp: unknown profile %q (known: %s)", name, strings.Join(Profiles, ", "))
	}
	if name != ProfileCustom {
		dir := path.Join("profiles", name)
		entries, err := fs.ReadDir(profileFS, dir)
		if err != nil {
			return nil, fmt.Errorf("sqlerp: profile %s: %w", name, err)
		}
		for _, e := range entries {
			m := fileNameRe.FindStringSubmatch(e.Name())
			if m == nil {
				continue
			}
			b, err := fs.ReadFile(profileFS, path.Join(dir, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("sqlerp: profile %s: %w", name, err)
			}
			p.set(m[1], m[2], string(b))
		}
	}
	keys := make([]string, 0, len(queries))
	for k := range queries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q, d, _ := strings.Cut(k, ".")
		if !knownQuery(q) {
			return nil, fmt.Errorf("sqlerp: options.queries.%s: unknown query %q (known: %s)", k, q, strings.Join(QueryNames, ", "))
		}
		if d != "" {
			if _, err := DialectOf(d); err != nil {
				return nil, fmt.Errorf("sqlerp: options.queries.%s: %w", k, err)
			}
			d, _ = DialectOf(d)
		}
		b, err := os.ReadFile(queries[k])
		if err != nil {
			return nil, fmt.Errorf("sqlerp: options.queries.%s: %w", k, err)
		}
		if d == "" {
			// A file for all dialects replaces the shipped variants too.
			delete(p.queries, q)
		}
		p.set(q, d, string(b))
	}
	for _, q := range requiredQueries {
		if !p.Has(q) {
			return nil, fmt.Errorf("sqlerp: profile %s has no %s query; add options.queries.%s", name, q, q)
		}
	}
	return p, nil
}

func (p *Profile) set(name, dialect, text string) {
	if p.queries[name] == nil {
		p.queries[name] = map[string]string{}
	}
	p.queries[name][dialect] = text
}

func knownQuery(q string) bool {
	for _, n := range QueryNames {
		if n == q {
			return true
		}
	}
	return false
}

// ShippedQueries returns the embedded SQL files of a shipped profile by file
// name (e.g. "products.sql", "stock.sqlserver.sql"), for documentation and
// as a starting point for a custom profile.
func ShippedQueries(profile string) (map[string]string, error) {
	dir := path.Join("profiles", profile)
	entries, err := fs.ReadDir(profileFS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlerp: profile %s: %w", profile, err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if !fileNameRe.MatchString(e.Name()) {
			continue
		}
		b, err := fs.ReadFile(profileFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlerp: profile %s: %w", profile, err)
		}
		out[e.Name()] = string(b)
	}
	return out, nil
}

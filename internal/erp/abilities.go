package erp

import (
	"context"
	"errors"
	"net/url"
	"strconv"
)

// CheckItem is what a Checker found for one of its queries.
type CheckItem struct {
	// Name is the query (products, stock, ...) or "staging".
	Name    string
	Rows    int
	Columns []string
	// Sample is the first row, column → text.
	Sample map[string]string
	// Err is the failure, naming the query and what is missing; nil when
	// the query ran.
	Err error
}

// Checker is implemented by ERP adapters that can try each of their queries
// (`erpbridge erp check`).
type Checker interface {
	// CheckQueries runs every query reading at most limit rows each (the
	// adapter's default when limit <= 0) and reports per query; the error is
	// non-nil when any query failed.
	CheckQueries(ctx context.Context, limit int) ([]CheckItem, error)
}

// Staging is implemented by ERP adapters that write orders into staging
// tables they own (`erpbridge erp install-staging`).
type Staging interface {
	// StagingDDL returns the script that creates the staging tables, for a
	// DBA to run; every statement is safe to run again.
	StagingDDL() string
	// InstallStaging runs that script.
	InstallStaging(ctx context.Context) error
}

// ErrImageNotFound is returned by an ImageReader when the product has no
// binary image at that position, or its content hash is not the one asked
// for.
var ErrImageNotFound = errors.New("erp: image not found")

// ImageReader is implemented by ERP adapters that keep product images as
// binary data (Comarch: CDN.DaneBinarne). The hub serves them to the shops
// at ImagePath, a URL that changes whenever the bytes change.
type ImageReader interface {
	// ImageData returns the bytes of product sku's image at position (as in
	// catalog.Image) whose content hash is hash; ErrImageNotFound when there
	// is none.
	ImageData(ctx context.Context, sku string, position int, hash string) ([]byte, error)
}

// ImagePath is the path, under the hub's public URL, at which the image of
// product sku at position with content hash is served.
func ImagePath(hash, sku string, position int) string {
	return "/images/" + hash + "/" + url.PathEscape(sku) + "/" + strconv.Itoa(position)
}

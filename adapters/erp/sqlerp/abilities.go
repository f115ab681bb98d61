package sqlerp

import (
	"context"

	"github.com/erpbridge/erpbridge/internal/erp"
)

// CheckQueries implements erp.Checker with Check.
func (s *Source) CheckQueries(ctx context.Context, limit int) ([]erp.CheckItem, error) {
	r, err := s.Check(ctx, limit)
	items := make([]erp.CheckItem, len(r.Queries))
	for i, q := range r.Queries {
		items[i] = erp.CheckItem{Name: q.Name, Rows: q.Rows, Columns: q.Columns, Sample: q.Sample, Err: q.Err}
	}
	return items, err
}

// Interface guards.
var (
	_ erp.Checker = (*Source)(nil)
	_ erp.Staging = (*Source)(nil)
)

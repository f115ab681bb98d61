package erp

import "context"

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

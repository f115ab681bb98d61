// Package all registers every adapter erpbridge ships: import it for its
// side effects (the binary does; tests that want a fresh registry do not).
package all

import (
	// ERP adapters.
	_ "github.com/erpbridge/erpbridge/adapters/erp/sqlerp"

	// Store adapters.
	_ "github.com/erpbridge/erpbridge/adapters/store/httpstore"
	_ "github.com/erpbridge/erpbridge/adapters/store/memory"
	_ "github.com/erpbridge/erpbridge/adapters/store/vendure"
	_ "github.com/erpbridge/erpbridge/adapters/store/woocommerce"
)

package orders

import "github.com/erpbridge/erpbridge/internal/orders/normalize"

// Order normalization lives in package normalize, which links no database
// driver, so that its fuzz target runs at full speed; these are its names
// as the pipeline uses them.
type (
	// Rules is normalize.Rules.
	Rules = normalize.Rules
	// Products is normalize.Products.
	Products = normalize.Products
)

// RoundingSKU is normalize.RoundingSKU.
const RoundingSKU = normalize.RoundingSKU

// Normalize and NewProducts are normalize's.
var (
	Normalize   = normalize.Normalize
	NewProducts = normalize.NewProducts
)

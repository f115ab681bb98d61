package vendure

// Wire formats of the Vendure Admin API used by the adapter: GraphQL
// documents and the JSON shapes they return.

import "encoding/json"

// apiOption is a ProductOption.
type apiOption struct {
	ID      string `json:"id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	GroupID string `json:"groupId"`
}

// apiOptionGroup is a ProductOptionGroup with its options.
type apiOptionGroup struct {
	ID      string      `json:"id"`
	Code    string      `json:"code"`
	Name    string      `json:"name"`
	Options []apiOption `json:"options"`
}

// apiProduct is a Product as the adapter reads it.
type apiProduct struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	Slug         string           `json:"slug"`
	Description  string           `json:"description"`
	Enabled      bool             `json:"enabled"`
	UpdatedAt    string           `json:"updatedAt"`
	CustomFields map[string]any   `json:"customFields"`
	OptionGroups []apiOptionGroup `json:"optionGroups"`
}

// apiVariant is a ProductVariant as the adapter reads it.
type apiVariant struct {
	ID           string         `json:"id"`
	SKU          string         `json:"sku"`
	Name         string         `json:"name"`
	Enabled      bool           `json:"enabled"`
	ProductID    string         `json:"productId"`
	Price        json.Number    `json:"price"`
	PriceWithTax json.Number    `json:"priceWithTax"`
	StockOnHand  int64          `json:"stockOnHand"`
	UpdatedAt    string         `json:"updatedAt"`
	CustomFields map[string]any `json:"customFields"`
	TaxCategory  struct {
		ID string `json:"id"`
	} `json:"taxCategory"`
	Options []apiOption `json:"options"`
}

// queries are the GraphQL documents whose field selection depends on the
// connection (the EAN custom field, when there is one).
type queries struct {
	productByID, productBySlug, variantsBySKU  string
	createProduct, updateProduct, listVariants string
	createVariants, listProducts               string
}

func newQueries(eanField string) queries {
	cf := ""
	if eanField != "" {
		cf = " customFields { " + eanField + " }"
	}
	product := `id name slug description enabled updatedAt` + cf + `
  optionGroups { id code name options { id code name groupId } }`
	variant := `id sku name enabled productId price priceWithTax stockOnHand updatedAt` + cf + `
  taxCategory { id }
  options { id code name groupId }`
	return queries{
		productByID:   `query ProductByID($id: ID!) { product(id: $id) { ` + product + ` } }`,
		productBySlug: `query ProductBySlug($slug: String!) { product(slug: $slug) { ` + product + ` } }`,
		variantsBySKU: `query VariantsBySKU($skus: [String!]!, $take: Int!) {
  productVariants(options: { filter: { sku: { in: $skus } }, take: $take }) { items { ` + variant + ` } }
}`,
		createProduct: `mutation CreateProduct($input: CreateProductInput!) { createProduct(input: $input) { ` + product + ` } }`,
		updateProduct: `mutation UpdateProduct($input: UpdateProductInput!) { updateProduct(input: $input) { id } }`,
		createVariants: `mutation CreateVariants($input: [CreateProductVariantInput!]!) {
  createProductVariants(input: $input) { ` + variant + ` }
}`,
		listVariants: `query ListVariants($skip: Int!, $take: Int!) {
  productVariants(options: { skip: $skip, take: $take, sort: { id: ASC } }) {
    totalItems
    items { id sku productId` + cf + ` product { slug } }
  }
}`,
		listProducts: `query ListProducts($skip: Int!, $take: Int!) {
  products(options: { skip: $skip, take: $take, sort: { id: ASC } }) {
    totalItems
    items { id slug` + cf + ` }
  }
}`,
	}
}

const deleteProductMutation = `mutation DeleteProduct($id: ID!) {
  deleteProduct(id: $id) { result message }
}`

const createOptionGroupMutation = `mutation CreateOptionGroup($input: CreateProductOptionGroupInput!) {
  createProductOptionGroup(input: $input) { id code name options { id code name groupId } }
}`

const addOptionGroupMutation = `mutation AddOptionGroup($productId: ID!, $groupId: ID!) {
  addOptionGroupToProduct(productId: $productId, optionGroupId: $groupId) { id }
}`

const createOptionMutation = `mutation CreateOption($input: CreateProductOptionInput!) {
  createProductOption(input: $input) { id code name groupId }
}`

const updateVariantsMutation = `mutation UpdateVariants($input: [UpdateProductVariantInput!]!) {
  updateProductVariants(input: $input) { id }
}`

const deleteVariantMutation = `mutation DeleteVariant($id: ID!) {
  deleteProductVariant(id: $id) { result message }
}`

// orderFields are the Order fields ParseOrder reads. scripts/vendure/server.js
// sends the same shape in its webhooks.
const orderFields = `id code state active createdAt updatedAt orderPlacedAt currencyCode
  subTotal subTotalWithTax shipping shippingWithTax total totalWithTax
  customer { id firstName lastName emailAddress phoneNumber }
  shippingAddress { fullName company streetLine1 streetLine2 city province postalCode countryCode phoneNumber }
  billingAddress { fullName company streetLine1 streetLine2 city province postalCode countryCode phoneNumber }
  lines { id quantity unitPrice unitPriceWithTax linePrice linePriceWithTax taxRate productVariant { id sku name } }
  shippingLines { price priceWithTax shippingMethod { code name } }
  payments { method state amount }
  fulfillments { id state method trackingCode lines { orderLineId quantity } }`

const ordersQuery = `query Orders($after: DateTime!, $skip: Int!, $take: Int!) {
  orders(options: {
    filter: { orderPlacedAt: { after: $after } }
    sort: { orderPlacedAt: ASC, id: ASC }
    skip: $skip
    take: $take
  }) {
    totalItems
    items { ` + orderFields + ` }
  }
}`

const orderQuery = `query Order($id: ID!) {
  order(id: $id) { ` + orderFields + ` }
}`

const addFulfillmentMutation = `mutation AddFulfillment($input: FulfillOrderInput!) {
  addFulfillmentToOrder(input: $input) {
    __typename
    ... on Fulfillment { id state trackingCode }
    ... on ErrorResult { errorCode message }
  }
}`

const transitionFulfillmentMutation = `mutation TransitionFulfillment($id: ID!, $state: String!) {
  transitionFulfillmentToState(id: $id, state: $state) {
    __typename
    ... on Fulfillment { id state }
    ... on ErrorResult { errorCode message }
  }
}`

const cancelOrderMutation = `mutation CancelOrder($input: CancelOrderInput!) {
  cancelOrder(input: $input) {
    __typename
    ... on Order { id state }
    ... on ErrorResult { errorCode message }
  }
}`

// unionResult is a mutation answer that is either the entity or an
// ErrorResult (Vendure's per-operation errors).
type unionResult struct {
	Typename  string `json:"__typename"`
	ID        string `json:"id"`
	State     string `json:"state"`
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
}

// deletion is a DeletionResponse.
type deletion struct {
	Result  string `json:"result"`
	Message string `json:"message"`
}

// customString reads a string custom field ("" when absent or not a string).
func customString(m map[string]any, name string) string {
	if name == "" {
		return ""
	}
	v, _ := m[name].(string)
	return v
}

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
	OptionGroups []apiOptionGroup `json:"optionGroups"`
}

// apiVariant is a ProductVariant as the adapter reads it.
type apiVariant struct {
	ID           string      `json:"id"`
	SKU          string      `json:"sku"`
	Name         string      `json:"name"`
	Enabled      bool        `json:"enabled"`
	ProductID    string      `json:"productId"`
	Price        json.Number `json:"price"`
	PriceWithTax json.Number `json:"priceWithTax"`
	StockOnHand  int64       `json:"stockOnHand"`
	TaxCategory  struct {
		ID string `json:"id"`
	} `json:"taxCategory"`
	Options []apiOption `json:"options"`
}

const productFields = `id name slug description enabled
  optionGroups { id code name options { id code name groupId } }`

const variantFields = `id sku name enabled productId price priceWithTax stockOnHand
  taxCategory { id }
  options { id code name groupId }`

const productBySlugQuery = `query ProductBySlug($slug: String!) {
  product(slug: $slug) { ` + productFields + ` }
}`

const productByIDQuery = `query ProductByID($id: ID!) {
  product(id: $id) { ` + productFields + ` }
}`

const variantsBySKUQuery = `query VariantsBySKU($skus: [String!]!, $take: Int!) {
  productVariants(options: { filter: { sku: { in: $skus } }, take: $take }) {
    items { ` + variantFields + ` }
  }
}`

const createProductMutation = `mutation CreateProduct($input: CreateProductInput!) {
  createProduct(input: $input) { ` + productFields + ` }
}`

const updateProductMutation = `mutation UpdateProduct($input: UpdateProductInput!) {
  updateProduct(input: $input) { id }
}`

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

const createVariantsMutation = `mutation CreateVariants($input: [CreateProductVariantInput!]!) {
  createProductVariants(input: $input) { ` + variantFields + ` }
}`

const updateVariantsMutation = `mutation UpdateVariants($input: [UpdateProductVariantInput!]!) {
  updateProductVariants(input: $input) { id }
}`

const deleteVariantMutation = `mutation DeleteVariant($id: ID!) {
  deleteProductVariant(id: $id) { result message }
}`

const listVariantsQuery = `query ListVariants($skip: Int!, $take: Int!) {
  productVariants(options: { skip: $skip, take: $take, sort: { id: ASC } }) {
    totalItems
    items { id sku productId product { slug } }
  }
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

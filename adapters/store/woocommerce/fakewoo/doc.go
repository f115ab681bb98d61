// Package fakewoo is a FAKE WooCommerce shop: an in-memory imitation of the
// WooCommerce REST API v3 (/wp-json/wc/v3) for tests, the demo and the
// benchmarks. It is not WooCommerce, runs no PHP and stores nothing on disk.
//
// What it reproduces, as documented for WooCommerce REST v3:
//
//   - Authentication with a consumer key and secret, by HTTP Basic auth or by
//     the consumer_key and consumer_secret query parameters. Missing
//     credentials give 401 woocommerce_rest_cannot_view (GET) or
//     woocommerce_rest_cannot_create (writes); wrong ones give 401
//     woocommerce_rest_authentication_error. Errors use WordPress's shape
//     {"code", "message", "data": {"status"}}.
//   - Products (simple and variable) and variations: create, read, update,
//     delete, and the batch endpoints /products/batch,
//     /products/<id>/variations/batch and /products/categories/batch with
//     {create, update, delete}. At most 100 objects in total per call; more
//     gives HTTP 413 woocommerce_rest_request_entity_too_large "Unable to
//     accept more than 100 items for this request.". Errors inside a batch are
//     per item ({"id", "error": {...}}): a duplicate SKU is product_invalid_sku
//     for that item only, an unknown id woocommerce_rest_product_invalid_id
//     (woocommerce_rest_product_variation_invalid_id, woocommerce_rest_term_invalid).
//     Batch deletes are forced, as in WooCommerce.
//   - Prices as decimal strings (regular_price, sale_price, with price derived),
//     date_on_sale_from/to (and their _gmt twins), manage_stock, integer
//     stock_quantity, stock_status (computed from the quantity and backorders
//     when stock is managed, as WooCommerce does), status, global_unique_id
//     (GTIN/EAN), categories by id (unknown ids are dropped, as WordPress
//     does), images by src (every src is "sideloaded" into a new media id
//     with a rewritten URL, as WooCommerce does; name and alt are kept) or by
//     id, attributes, meta_data.
//   - Categories with parent and slug (a slug is sanitized to lowercase
//     letters, digits and hyphens; a duplicate gives term_exists with
//     data.resource_id).
//   - Lists: per_page (default 10, 1..100, else 400 rest_invalid_param), page,
//     X-WP-Total, X-WP-TotalPages and a Link header (rel="prev"/"next").
//     GET /products?sku=a,b also returns variations, as WooCommerce does;
//     include=1,2 filters by id.
//   - Orders with date_created(_gmt)/date_modified(_gmt) written without a
//     zone, GET /orders?modified_after=...: the filter is strict ("after") and
//     compares the site's local time (Options.TimeZone) unless
//     dates_are_gmt=true, which is the classic source of missed orders;
//     orderby=modified|date|id, order=asc|desc; PUT /orders/<id> (status,
//     meta_data by key); order notes GET/POST /orders/<id>/notes.
//   - Webhooks: AddWebhook sends the unsigned creation ping (form body
//     webhook_id=N) and must get 200; then order.created and order.updated
//     deliveries are POSTed once, never retried, with X-WC-Webhook-Source,
//     -Topic, -Resource, -Event, -Signature (base64 HMAC-SHA256 of the raw
//     body), -ID and -Delivery-ID; after more than 5 consecutive failures the
//     webhook is disabled.
//
// What it does not reproduce: OAuth 1.0a over plain HTTP, taxes and totals
// computation (PlaceOrder takes the totals it is given), coupons, customers,
// refunds, reports, product search and most list filters, trash (deletes are
// permanent), HTML in descriptions, the real media library, WordPress's
// lenient type coercion (the fake rejects a non-string price or a fractional
// stock_quantity with 400 rest_invalid_param even inside a batch, so adapter
// bugs show), and webhooks on product topics.
//
// Use: Start(Options{...}) for tests (an httptest server; URL is the site
// URL, the API is at URL+BasePath), or New(...) as an http.Handler and
// Serve(ctx, addr) for the demo. Helpers for tests and benchmarks:
//   - shop side: PlaceOrder, UpdateOrder (as a customer or the staff would;
//     both send order.created/order.updated), AddWebhook, SetNow (frozen
//     clock), Credentials;
//   - inspection: Product(sku), ProductByID, Variations, Category(slug),
//     Order, Notes, Counts, Deliveries, WebhookStatus, Writes, and the
//     Revision counters on Product and Order (changed only by real changes);
//   - faults: SetLatency, DelayNext, RateLimitNext (429 + Retry-After),
//     FailNext (500), RejectAuthNext (401), MalformNext (applied, answer
//     cut), Options.BatchLimit (a site that lowered the batch limit);
//   - counters: Calls, MaxBatch (largest batch seen), ResetCalls;
//   - Sign computes the X-WC-Webhook-Signature of a body.
//
// A Server is safe for concurrent use.
package fakewoo

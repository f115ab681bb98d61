// Package storetest is the conformance suite every shop adapter passes.
//
// An adapter's test calls Run with a Harness. Harness.New builds a fresh
// store.Store connected to a fresh, empty shop (the adapter's fake server, a
// real shop started for the test, or the in-memory shop) and returns, beside
// it, a Shop: the backdoor through which the suite reads the shop's state
// independently of the adapter, the way an admin would look at the shop's
// panel. Optional abilities of the backdoor are separate interfaces:
// OrderPlacer (place an order as a customer, read its status and tracking),
// WebhookSigner (sign a delivery as the platform does) and FaultInjector
// (make the next requests answer 429, 500, 401 or slowly).
//
// A typical adapter test (the memory adapter's, whose backdoor type adapts
// memory.Shop to Shop and its optional interfaces):
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{
//			New: func(t *testing.T) (store.Store, storetest.Shop) {
//				shop := memory.NewShop()
//				conn := memory.DefaultConnection()
//				conn.OrderPageSize = 3
//				st, err := memory.New("conformance", shop, conn, memory.Credentials{WebhookSecret: "s3cret"}, nil)
//				if err != nil {
//					t.Fatal(err)
//				}
//				return st, backdoor{shop}
//			},
//			OrderPageSize: 3,
//		})
//	}
//
// An adapter tested against a fake server starts the server in New (with
// httptest.NewServer and t.Cleanup) and returns a backdoor that reads the
// fake's state. An adapter that knowingly falls short lists the subtest in
// Harness.Gaps, e.g. {"Push/OverBatchSize": "reason, issue link"}.
//
// What the suite expects is read from the adapter itself: Features (batch
// size, variant axes, kinds, basis, webhook scheme) and the optional
// interfaces it implements (store.Binder, store.OrderSource,
// store.StatusSetter, store.WebhookReceiver). A subtest that needs something
// the adapter declares absent, or a backdoor ability the harness lacks, is
// skipped with a message naming it ("skip: adapter does not implement
// store.WebhookReceiver"). Anything else that does not hold fails. A
// Harness.Gaps entry skips its subtest with the reason; the suite fails on
// an entry that names no subtest, so the list stays current.
//
// The subtests (see Names) cover:
//
//   - Features: the declaration is consistent and stable.
//   - Products: create, update and deactivate with the shop id kept;
//     variants within MaxVariantAxes (with 0, variants go as products);
//     categories by code (a parent before its child); images in order.
//   - Push: a batch of exactly BatchSize prices and stock levels, each
//     applied; a batch of BatchSize+1 either handled in full or rejected as
//     a whole with a Permanent error and nothing applied (the contract in
//     store.Store.Push); re-pushing the same state changes nothing in the
//     shop; an unknown SKU or shop id, a missing parent and one bad item
//     (negative price, wrong document, a kind the adapter does not take)
//     fail alone with Permanent errors while the rest of the batch applies.
//   - Binder: ListItems finds pushed items by SKU and EAN with their ids and
//     parents, and stops on fn's error.
//   - Orders: more orders than one page, walked page by page with cursors
//     that never move backwards; "at or after since" re-reads without loss;
//     an overlap re-read after a new order loses nothing; Order of one id;
//     ParseOrder of each payload and of garbage (Permanent, no panic).
//   - Status: SetStatus with tracking shows in the shop and is idempotent.
//   - Webhooks: valid, changed-body, foreign and missing signatures
//     (store.ErrSignatureInvalid, store.ErrSignatureMissing); the same
//     delivery parsed twice gives the same ids.
//   - Faults: 429 with Retry-After is RateLimited with the wait; 500 is
//     Retryable; rejected credentials are Fatal; a call whose context ends
//     during a long request returns promptly with the context's error.
//
// Subtests run in parallel, each with its own store and shop, unless
// Harness.Serial is set. The suite never asserts timing except that a
// cancelled call returns within a generous bound.
package storetest

// Package e2e holds end-to-end scenario tests that run the built erpbridge
// binary as a user does: a config file, CLI commands, `erpbridge serve` with
// short schedules, HTTP to the hub and to the shops. The shops are fakes
// running in the test process (a WooCommerce REST fake and a store-protocol
// shop); the ERP is a Comarch-Optima-shaped SQLite database the tests edit
// with SQL, as the ERP and its Windows-side importer would. Nothing calls
// into the hub's packages.
package e2e

// Package docscheck holds tests that keep the admin documentation in docs/
// and the files it ships (scripts/systemd) true to the code: the systemd
// unit parses and is hardened, every error message the troubleshooting
// index quotes still occurs in the Go source, and every erpbridge command
// and flag the docs mention exists.
package docscheck

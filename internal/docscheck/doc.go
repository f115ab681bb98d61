// Package docscheck holds tests that keep the admin guides in docs/ and the
// files they ship true to the code: the systemd unit parses and is
// hardened; every error message the troubleshooting index quotes is still
// in the Go source; every erpbridge command, flag and dotted config key the
// guides mention exists; their YAML examples load; the Comarch grants list
// exactly the tables the profiles read. It has no code of its own.
package docscheck

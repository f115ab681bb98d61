// Package all registers every adapter erpbridge ships: import it for its
// side effects (the binary does; tests that want a fresh registry do not).
package all

//go:build race

package orders_test

// raceEnabled shrinks the fault tests under the race detector, which slows
// every database call several times.
const raceEnabled = true

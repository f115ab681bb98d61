// Package fault classifies errors by what the caller should do with them:
// park the record (Permanent), wait as told (RateLimited), stop the store or
// ERP connection (Fatal), or retry with backoff (anything else).
package fault

import (
	"errors"
	"fmt"
	"time"
)

// Class is what a caller should do about an error.
type Class int

// Error classes, from "try again" to "stop".
const (
	// Retryable errors are retried with exponential backoff and jitter.
	Retryable Class = iota
	// RateLimitedClass errors are retried after the wait the remote asked for.
	RateLimitedClass
	// PermanentClass errors concern one record's data: park it with the reason.
	PermanentClass
	// FatalClass errors stop the whole store or ERP connection (bad credentials,
	// wrong URL) until an operator acts.
	FatalClass
)

// String returns the class name used in logs, metrics and the API.
func (c Class) String() string {
	switch c {
	case RateLimitedClass:
		return "rate_limited"
	case PermanentClass:
		return "permanent"
	case FatalClass:
		return "fatal"
	default:
		return "retryable"
	}
}

type classified struct {
	class      Class
	retryAfter time.Duration
	err        error
}

func (e *classified) Error() string { return e.err.Error() }
func (e *classified) Unwrap() error { return e.err }

// Permanent marks err as caused by the record's data: retrying will not help.
func Permanent(err error) error { return wrap(PermanentClass, 0, err) }

// Permanentf is Permanent(fmt.Errorf(format, args...)).
func Permanentf(format string, args ...any) error {
	return Permanent(fmt.Errorf(format, args...))
}

// Fatal marks err as fatal for the whole store or ERP connection.
func Fatal(err error) error { return wrap(FatalClass, 0, err) }

// RateLimited marks err as a rate limit; after is the wait the remote asked
// for (0 when it did not say).
func RateLimited(err error, after time.Duration) error {
	return wrap(RateLimitedClass, after, err)
}

func wrap(c Class, after time.Duration, err error) error {
	if err == nil {
		return nil
	}
	return &classified{class: c, retryAfter: after, err: err}
}

// Classify returns err's class (Retryable when unmarked) and, for rate limits,
// the requested wait. The outermost mark wins.
func Classify(err error) (Class, time.Duration) {
	var c *classified
	if errors.As(err, &c) {
		return c.class, c.retryAfter
	}
	return Retryable, 0
}

// IsPermanent reports whether err is marked Permanent.
func IsPermanent(err error) bool { c, _ := Classify(err); return c == PermanentClass }

// IsFatal reports whether err is marked Fatal.
func IsFatal(err error) bool { c, _ := Classify(err); return c == FatalClass }

// Package registry holds adapter factories by type name. Adapters register
// into a default registry from init(); adapters/all imports them all; tests
// build a fresh registry with New or copy one with Clone.
package registry

import (
	"fmt"
	"sort"
	"sync"
)

// Registry maps lowercase type names to factories of type F. It is safe for
// concurrent use.
type Registry[F any] struct {
	what string
	mu   sync.RWMutex
	m    map[string]F
}

// New returns an empty registry; what names its contents in messages
// ("store adapter", "ERP adapter").
func New[F any](what string) *Registry[F] {
	return &Registry[F]{what: what, m: map[string]F{}}
}

// Register adds f under name. It panics on an empty or duplicate name: both
// are programming errors found at start-up.
func (r *Registry[F]) Register(name string, f F) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "" {
		panic(fmt.Sprintf("registry: %s registered with an empty name", r.what))
	}
	if _, dup := r.m[name]; dup {
		panic(fmt.Sprintf("registry: %s %q registered twice", r.what, name))
	}
	r.m[name] = f
}

// Lookup returns the factory registered under name.
func (r *Registry[F]) Lookup(name string) (F, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.m[name]
	return f, ok
}

// Get is Lookup with an error that lists the known names.
func (r *Registry[F]) Get(name string) (F, error) {
	if f, ok := r.Lookup(name); ok {
		return f, nil
	}
	var zero F
	return zero, fmt.Errorf("unknown %s %q (known: %v)", r.what, name, r.Names())
}

// Names returns the registered names in sorted order.
func (r *Registry[F]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Clone returns an independent copy, for tests that add or replace factories.
func (r *Registry[F]) Clone() *Registry[F] {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := New[F](r.what)
	for k, v := range r.m {
		c.m[k] = v
	}
	return c
}

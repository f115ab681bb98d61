package registry

import (
	"reflect"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	t.Parallel()
	r := New[int]("widget")
	r.Register("b", 2)
	r.Register("a", 1)
	if got := r.Names(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("Names() = %v", got)
	}
	if v, ok := r.Lookup("a"); !ok || v != 1 {
		t.Fatalf("Lookup(a) = %v, %v", v, ok)
	}
	if _, err := r.Get("zzz"); err == nil || !strings.Contains(err.Error(), `unknown widget "zzz" (known: [a b])`) {
		t.Fatalf("Get(zzz) error = %v", err)
	}
	c := r.Clone()
	c.Register("c", 3)
	if _, ok := r.Lookup("c"); ok {
		t.Fatal("Clone shares its map with the original")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("duplicate Register did not panic")
		}
	}()
	r.Register("a", 9)
}

package fault

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	base := errors.New("boom")
	cases := []struct {
		name  string
		err   error
		class Class
		after time.Duration
	}{
		{"plain", base, Retryable, 0},
		{"permanent", Permanent(base), PermanentClass, 0},
		{"fatal", Fatal(base), FatalClass, 0},
		{"rate", RateLimited(base, 3*time.Second), RateLimitedClass, 3 * time.Second},
		{"wrapped", fmt.Errorf("push: %w", Permanent(base)), PermanentClass, 0},
		{"outermost wins", Fatal(Permanent(base)), FatalClass, 0},
	}
	for _, c := range cases {
		class, after := Classify(c.err)
		if class != c.class || after != c.after {
			t.Errorf("%s: Classify = %v, %v; want %v, %v", c.name, class, after, c.class, c.after)
		}
		if !errors.Is(c.err, base) {
			t.Errorf("%s: classification hides the cause from errors.Is", c.name)
		}
	}
	if Permanent(nil) != nil || Fatal(nil) != nil {
		t.Error("marking nil must stay nil")
	}
	if !IsPermanent(Permanentf("bad %s", "sku")) || IsFatal(base) {
		t.Error("IsPermanent/IsFatal disagree with Classify")
	}
	if got := RateLimitedClass.String(); got != "rate_limited" {
		t.Errorf("String() = %q", got)
	}
}

package httpapi

import (
	"math"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in failures allowed per client address: signInBurst at once, then
// one more per signInEvery (5 a minute).
const (
	signInBurst = 5
	signInEvery = 12 * time.Second
	// signInIdle is how long an address's failures are remembered.
	signInIdle = 10 * time.Minute
)

// signInLimiter counts failed sign-ins per client address in memory.
type signInLimiter struct {
	mu    sync.Mutex
	now   func() time.Time
	addrs map[string]*signInRecord
	swept time.Time
}

type signInRecord struct {
	lim  *rate.Limiter
	last time.Time
}

func newSignInLimiter(now func() time.Time) *signInLimiter {
	return &signInLimiter{now: now, addrs: map[string]*signInRecord{}}
}

// wait returns how long addr must wait before it may try again (0: now).
func (l *signInLimiter) wait(addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.addrs[addr]
	if !ok {
		return 0
	}
	now := l.now()
	tokens := r.lim.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) * float64(signInEvery))
}

// fail records a failed sign-in from addr.
func (l *signInLimiter) fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > signInIdle {
		for a, r := range l.addrs {
			if now.Sub(r.last) > signInIdle {
				delete(l.addrs, a)
			}
		}
		l.swept = now
	}
	r, ok := l.addrs[addr]
	if !ok {
		r = &signInRecord{lim: rate.NewLimiter(rate.Every(signInEvery), signInBurst)}
		l.addrs[addr] = r
	}
	r.last = now
	r.lim.AllowN(now, 1)
}

// retryAfter is d in whole seconds, at least 1, for a Retry-After header.
func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// parseProxies reads http.trusted_proxies (IPs or CIDRs, validated by the
// config); entries that do not parse are skipped.
func parseProxies(ss []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

// secureRequest reports whether the browser reached the hub over https:
// directly (TLS), or through a trusted proxy that says so in
// X-Forwarded-Proto. From anyone else the header is ignored.
func secureRequest(r *http.Request, proxies []netip.Prefix) bool {
	if r.TLS != nil {
		return true
	}
	proto := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]))
	if proto != "https" || len(proxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/erpbridge/erpbridge/internal/config"
)

// Role is what a token may do.
type Role string

// The two roles of admin tokens.
const (
	// RoleAdmin may look and act.
	RoleAdmin Role = "admin"
	// RoleRead may only look.
	RoleRead Role = "read"
)

// Token is one admin API token. Secret is the bearer value itself.
type Token struct {
	Name   string
	Secret string
	Role   Role
}

// TokensFromConfig returns the tokens of http.admin_tokens.
func TokensFromConfig(ts []config.AdminToken) []Token {
	out := make([]Token, 0, len(ts))
	for _, t := range ts {
		out = append(out, Token{Name: t.Name, Secret: t.Token.Reveal(), Role: Role(t.Role)})
	}
	return out
}

// principal is who made a request.
type principal struct {
	Name string
	Role Role
	// Cookie is true when the token came from the dashboard's session
	// cookie (writes then need the CSRF token too).
	Cookie bool
}

// Actor is the audit log's name for p.
func (p principal) Actor() string { return "api:" + p.Name }

// CanWrite reports whether p may act.
func (p principal) CanWrite() bool { return p.Role == RoleAdmin }

const (
	principalKey = "erpbridge.principal"
	// sessionCookie holds the dashboard user's token (HttpOnly).
	sessionCookie = "erpbridge_session"
	// csrfCookie holds the dashboard's CSRF token, readable by its script,
	// which echoes it in the csrfHeader of every write.
	csrfCookie = "erpbridge_csrf"
	csrfHeader = "X-CSRF-Token"
)

// authenticator finds the token of a request in constant time.
type authenticator struct {
	tokens []hashedToken
}

type hashedToken struct {
	sum  [sha256.Size]byte
	name string
	role Role
}

func newAuthenticator(ts []Token) *authenticator {
	a := &authenticator{}
	for _, t := range ts {
		if t.Secret == "" {
			continue
		}
		a.tokens = append(a.tokens, hashedToken{sum: sha256.Sum256([]byte(t.Secret)), name: t.Name, role: t.Role})
	}
	return a
}

// lookup returns the principal whose token is secret. Every configured
// token is compared, in constant time, whatever matches, so the answer time
// says nothing about which token came close.
func (a *authenticator) lookup(secret string) (principal, bool) {
	if secret == "" {
		return principal{}, false
	}
	sum := sha256.Sum256([]byte(secret))
	var (
		found principal
		ok    int
	)
	for _, t := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], t.sum[:]) == 1 {
			found, ok = principal{Name: t.name, Role: t.role}, 1
		}
	}
	return found, ok == 1
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return ""
	}
	return strings.TrimSpace(h[len(prefix):])
}

// requireToken refuses requests without a known token (401): a bearer
// header, or the dashboard's session cookie.
func (a *authenticator) requireToken() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := a.fromRequest(c.Request)
		if !ok {
			c.Header("WWW-Authenticate", `Bearer realm="erpbridge"`)
			abortError(c, http.StatusUnauthorized, "unauthorized", "a valid admin API token is required")
			return
		}
		c.Set(principalKey, p)
		c.Next()
	}
}

func (a *authenticator) fromRequest(r *http.Request) (principal, bool) {
	if b := bearer(r); b != "" {
		return a.lookup(b)
	}
	if ck, err := r.Cookie(sessionCookie); err == nil {
		p, ok := a.lookup(ck.Value)
		p.Cookie = true
		return p, ok
	}
	return principal{}, false
}

// requireWrite refuses read-only tokens (403) and, for the dashboard's
// cookie sessions, writes without the matching CSRF token (403).
func requireWrite() gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principalOf(c)
		if !p.CanWrite() {
			abortError(c, http.StatusForbidden, "forbidden", "this token may only read; an admin token is required")
			return
		}
		if p.Cookie && !csrfOK(c.Request) {
			abortError(c, http.StatusForbidden, "csrf", "missing or wrong CSRF token; reload the page")
			return
		}
		c.Next()
	}
}

func csrfOK(r *http.Request) bool {
	ck, err := r.Cookie(csrfCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	h := r.Header.Get(csrfHeader)
	return h != "" && subtle.ConstantTimeCompare([]byte(h), []byte(ck.Value)) == 1
}

func principalOf(c *gin.Context) principal {
	v, _ := c.Get(principalKey)
	p, _ := v.(principal)
	return p
}

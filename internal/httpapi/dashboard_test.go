package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// loginRequest is the sign-in form posted with token from origin ("" for
// no Origin header).
func loginRequest(token, origin string) *http.Request {
	req := httptest.NewRequest("POST", "/ui/login", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return req
}

// signIn posts token to the sign-in form and returns the answer.
func (b *hubBundle) signIn(t testing.TB, token, origin string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, loginRequest(token, origin))
	return rec
}

func cookieOf(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestDashboardSignIn(t *testing.T) {
	t.Parallel()
	b := newHub(t)
	if rec := b.do(t, "GET", "/ui/", "", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/login" {
		t.Errorf("/ui/ signed out = %d %q, want a redirect to the sign-in", rec.Code, rec.Header().Get("Location"))
	}
	if rec := b.signIn(t, adminToken, "http://evil.example"); rec.Code != http.StatusForbidden || cookieOf(rec, sessionCookie) != nil {
		t.Errorf("cross-site sign-in = %d", rec.Code)
	}
	if rec := b.signIn(t, adminToken, ""); rec.Code != http.StatusForbidden {
		t.Errorf("sign-in without Origin or Referer = %d", rec.Code)
	}
	rec := b.signIn(t, "guess", "http://example.com")
	if rec.Code != http.StatusUnauthorized || cookieOf(rec, sessionCookie) != nil || !strings.Contains(rec.Body.String(), "not valid") {
		t.Errorf("sign-in with a wrong token = %d", rec.Code)
	}
	rec = b.signIn(t, adminToken, "http://example.com")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/" {
		t.Fatalf("sign-in = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	sess, csrf := cookieOf(rec, sessionCookie), cookieOf(rec, csrfCookie)
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || csrf == nil || csrf.Value == "" || csrf.HttpOnly {
		t.Fatalf("cookies = %+v / %+v", sess, csrf)
	}
	if strings.Contains(rec.Header().Get("Location"), adminToken) || strings.Contains(b.logs.String(), adminToken) {
		t.Error("the token leaked into a URL or the log")
	}

	page := func(path string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		b.h.ServeHTTP(rec, req)
		return rec
	}
	for _, p := range []string{"/ui/", "/ui/attention", "/ui/orders", fmt.Sprintf("/ui/orders/%d", b.parked), "/ui/audit", "/ui/config", "/ui/stores/b2c/plan"} {
		rec := page(p, sess, csrf)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `data-admin="true"`) || rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s = %d", p, rec.Code)
		}
	}
	if rec := page("/ui/stores/nope/plan", sess, csrf); rec.Code != http.StatusNotFound {
		t.Errorf("plan page of an unknown store = %d, want 404", rec.Code)
	}
	if rec := page("/ui/static/app.js"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "X-CSRF-Token") {
		t.Errorf("app.js = %d", rec.Code)
	}
	if rec := page("/ui/static/"); rec.Code != 404 {
		t.Errorf("/ui/static/ = %d, want 404 (no listing)", rec.Code)
	}

	// A write with the session cookie needs the CSRF token.
	write := func(token string) int {
		req := httptest.NewRequest("POST", fmt.Sprintf("/api/v1/orders/%d/retry", b.parked), nil)
		req.AddCookie(sess)
		req.AddCookie(csrf)
		if token != "" {
			req.Header.Set(csrfHeader, token)
		}
		rec := httptest.NewRecorder()
		b.h.ServeHTTP(rec, req)
		return rec.Code
	}
	if got := write(""); got != http.StatusForbidden {
		t.Errorf("cookie write without CSRF token = %d", got)
	}
	if got := write("forged"); got != http.StatusForbidden {
		t.Errorf("cookie write with a wrong CSRF token = %d", got)
	}
	if got := write(csrf.Value); got != http.StatusOK {
		t.Errorf("cookie write with the CSRF token = %d", got)
	}

	rec = b.signIn(t, readToken, "http://example.com")
	ro := cookieOf(rec, sessionCookie)
	if body := page("/ui/attention", ro).Body.String(); !strings.Contains(body, `data-admin="false"`) || !strings.Contains(body, "read-only") {
		t.Errorf("read-only page does not say so")
	}
}

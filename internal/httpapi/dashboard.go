package httpapi

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/erpbridge/erpbridge/internal/state"
)

// DashboardPrefix is where the dashboard lives.
const DashboardPrefix = "/ui"

//go:embed ui/templates/*.html
var templateFS embed.FS

//go:embed ui/static
var staticFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "ui/templates/*.html"))

// page is what every dashboard template gets.
type page struct {
	Title string
	// Page names the page for the script and the navigation.
	Page   string
	User   string
	Admin  bool
	Error  string
	Params map[string]string
}

// dashboard serves the pages; their data comes from the JSON API, which
// the page's script polls with the session cookie.
type dashboard struct {
	a       *admin
	auth    *authenticator
	proxies []netip.Prefix
	limit   *signInLimiter
}

func registerDashboard(r *gin.Engine, a *admin, auth *authenticator, proxies []netip.Prefix) {
	d := &dashboard{a: a, auth: auth, proxies: proxies, limit: newSignInLimiter(a.now)}
	static, err := fs.Sub(staticFS, "ui/static")
	if err != nil {
		a.log.Error("dashboard: static assets missing")
		return
	}
	// One route per asset: no directory listings.
	entries, err := fs.ReadDir(static, ".")
	if err != nil {
		a.log.Error("dashboard: static assets unreadable")
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			r.StaticFileFS(DashboardPrefix+"/static/"+e.Name(), e.Name(), http.FS(static))
		}
	}
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, DashboardPrefix+"/") })
	r.GET(DashboardPrefix+"/login", d.loginForm)
	r.POST(DashboardPrefix+"/login", d.login)
	r.POST(DashboardPrefix+"/logout", d.logout)
	r.GET(DashboardPrefix+"/", d.page("overview", "Overview"))
	r.GET(DashboardPrefix+"/attention", d.page("attention", "Needs attention"))
	r.GET(DashboardPrefix+"/orders", d.page("orders", "Orders"))
	r.GET(DashboardPrefix+"/orders/:id", d.orderPage)
	r.GET(DashboardPrefix+"/stores/:store/plan", d.planPage)
	r.GET(DashboardPrefix+"/audit", d.page("audit", "Audit log"))
	r.GET(DashboardPrefix+"/config", d.page("config", "Configuration"))
}

func (d *dashboard) render(c *gin.Context, status int, name string, p page) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Frame-Options", "DENY")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Header("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	c.Status(status)
	if err := pages.ExecuteTemplate(c.Writer, name, p); err != nil {
		d.a.log.Error("dashboard: render "+name, "err", err)
	}
}

// session returns the signed-in user, or redirects to the sign-in page.
func (d *dashboard) session(c *gin.Context) (principal, bool) {
	ck, err := c.Request.Cookie(sessionCookie)
	if err == nil {
		if p, ok := d.auth.lookup(ck.Value); ok {
			// The script needs the CSRF cookie; renew it if it went missing.
			if _, err := c.Request.Cookie(csrfCookie); err != nil {
				d.setCSRF(c)
			}
			return p, true
		}
	}
	c.Redirect(http.StatusSeeOther, DashboardPrefix+"/login")
	c.Abort()
	return principal{}, false
}

func (d *dashboard) page(name, title string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := d.session(c)
		if !ok {
			return
		}
		d.render(c, http.StatusOK, "app.html", page{Title: title, Page: name, User: p.Name, Admin: p.CanWrite()})
	}
}

func (d *dashboard) orderPage(c *gin.Context) {
	p, ok := d.session(c)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		d.render(c, http.StatusNotFound, "app.html", page{Title: "Order", Page: "missing", User: p.Name, Admin: p.CanWrite(),
			Error: "There is no such order."})
		return
	}
	d.render(c, http.StatusOK, "app.html", page{Title: "Order " + strconv.FormatInt(id, 10), Page: "order",
		User: p.Name, Admin: p.CanWrite(), Params: map[string]string{"id": strconv.FormatInt(id, 10)}})
}

// planPage previews a store's plan; the script starts and polls it.
func (d *dashboard) planPage(c *gin.Context) {
	p, ok := d.session(c)
	if !ok {
		return
	}
	id := c.Param("store")
	if !d.a.knownStore(id) {
		d.render(c, http.StatusNotFound, "app.html", page{Title: "Plan", Page: "missing", User: p.Name, Admin: p.CanWrite(),
			Error: "There is no such store in the config."})
		return
	}
	d.render(c, http.StatusOK, "app.html", page{Title: "Plan for " + id, Page: "plan",
		User: p.Name, Admin: p.CanWrite(), Params: map[string]string{"id": id}})
}

func (d *dashboard) loginForm(c *gin.Context) {
	d.render(c, http.StatusOK, "login.html", page{Title: "Sign in"})
}

// sameOrigin reports whether a form post comes from this host: browsers
// send Origin with every POST; a missing one (old clients) falls back on
// Referer.
func sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return false
	}
	u, err := url.Parse(src)
	return err == nil && u.Host == r.Host
}

func (d *dashboard) login(c *gin.Context) {
	if !sameOrigin(c.Request) {
		d.render(c, http.StatusForbidden, "login.html", page{Title: "Sign in", Error: "Sign in from this site's own page."})
		return
	}
	ip := c.ClientIP()
	if wait := d.limit.wait(ip); wait > 0 {
		d.a.log.Warn("dashboard: sign-in refused after repeated failures", "remote", ip)
		c.Header("Retry-After", strconv.Itoa(retryAfter(wait)))
		d.render(c, http.StatusTooManyRequests, "login.html", page{Title: "Sign in",
			Error: fmt.Sprintf("Too many failed sign-ins from your address. Try again in %d seconds.", retryAfter(wait))})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 8192)
	token := c.PostForm("token")
	p, ok := d.auth.lookup(token)
	if !ok {
		d.limit.fail(ip)
		d.a.log.Warn("dashboard: sign-in with an unknown token", "remote", ip)
		d.render(c, http.StatusUnauthorized, "login.html", page{Title: "Sign in", Error: "That token is not valid. Ask your administrator for an admin or read-only token."})
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: secureRequest(c.Request, d.proxies), SameSite: http.SameSiteStrictMode})
	d.setCSRF(c)
	if err := d.a.db.Audit(c.Request.Context(), nil, state.Event{Actor: p.Actor(), Action: "dashboard.sign_in"}); err != nil {
		d.a.log.Warn("dashboard: audit sign-in", "err", err)
	}
	c.Redirect(http.StatusSeeOther, DashboardPrefix+"/")
}

func (d *dashboard) setCSRF(c *gin.Context) {
	b := make([]byte, 16)
	rand.Read(b)
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: hex.EncodeToString(b), Path: "/",
		Secure: secureRequest(c.Request, d.proxies), SameSite: http.SameSiteStrictMode})
}

func (d *dashboard) logout(c *gin.Context) {
	if !sameOrigin(c.Request) {
		c.Status(http.StatusForbidden)
		return
	}
	for _, n := range []string{sessionCookie, csrfCookie} {
		http.SetCookie(c.Writer, &http.Cookie{Name: n, Value: "", Path: "/", MaxAge: -1, HttpOnly: n == sessionCookie,
			Secure: secureRequest(c.Request, d.proxies), SameSite: http.SameSiteStrictMode})
	}
	c.Redirect(http.StatusSeeOther, DashboardPrefix+"/login")
}

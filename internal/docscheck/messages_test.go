package docscheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

const repoRoot = "../.."

// sourceStrings returns every string literal of the module's non-test Go
// files, and every concatenation of literals ("a" + "b") as one string.
func sourceStrings(t *testing.T) []string {
	t.Helper()
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, ok := literal(n); ok {
					out = append(out, s)
				}
			case *ast.BinaryExpr:
				if s, ok := concat(n); ok {
					out = append(out, s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func literal(n *ast.BasicLit) (string, bool) {
	if n.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(n.Value)
	return s, err == nil
}

func concat(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		return literal(e)
	case *ast.ParenExpr:
		return concat(e.X)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok := concat(e.X)
		if !ok {
			return "", false
		}
		b, ok := concat(e.Y)
		return a + b, ok
	}
	return "", false
}

// glob is a pattern of runes in which wild positions match any text.
type glob struct {
	r    []rune
	wild []bool
}

// docGlob reads a documented message: "…" marks a varying part.
func docGlob(s string) glob {
	var g glob
	for _, r := range s {
		g.r = append(g.r, r)
		g.wild = append(g.wild, r == '…')
	}
	return g
}

// formatGlob reads a Go format string: each verb (%s, %q, %d, %w, %5.1f, ...)
// matches any text; %% is a literal %.
func formatGlob(s string) glob {
	var g glob
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != '%' {
			g.r, g.wild = append(g.r, r), append(g.wild, false)
			i += size
			continue
		}
		j := i + 1
		for j < len(s) && strings.IndexByte("+-# 0123456789.[]*", s[j]) >= 0 {
			j++
		}
		if j < len(s) && s[j] == '%' {
			g.r, g.wild = append(g.r, '%'), append(g.wild, false)
		} else {
			g.r, g.wild = append(g.r, 0), append(g.wild, true)
		}
		i = j + 1
	}
	return g
}

// literalRunes counts the fixed runes of g.
func (g glob) literalRunes() int {
	n := 0
	for _, w := range g.wild {
		if !w {
			n++
		}
	}
	return n
}

// overlap returns the most fixed runes of doc that can be matched against
// fixed runes of src when both globs describe the same text, or -1 when no
// text matches both. Wild positions of either side may stand for any text.
func overlap(doc, src glob) int {
	n, m := len(doc.r), len(src.r)
	const none = -1
	// best[i][j]: most matched fixed runes aligning doc[i:] with src[j:].
	best := make([][]int, n+1)
	for i := range best {
		best[i] = make([]int, m+1)
	}
	for i := n; i >= 0; i-- {
		for j := m; j >= 0; j-- {
			v := none
			if i == n && j == m {
				v = 0
			}
			if i < n && doc.wild[i] {
				v = max(v, best[i+1][j]) // the wildcard ends
				// It absorbs src[j]: anything at the message's ends, else
				// only a placeholder or punctuation (`"…"` for `%q`), so that
				// a varying part never swallows a changed word.
				if j < m && (i == 0 || i == n-1 || src.wild[j] || !unicode.IsLetter(src.r[j])) {
					v = max(v, best[i][j+1])
				}
			}
			if j < m && src.wild[j] {
				v = max(v, best[i][j+1])
				if i < n {
					v = max(v, best[i+1][j])
				}
			}
			if i < n && j < m && !doc.wild[i] && !src.wild[j] && doc.r[i] == src.r[j] && best[i+1][j+1] != none {
				v = max(v, best[i+1][j+1]+1)
			}
			best[i][j] = v
		}
	}
	return best[0][0]
}

// fixedRuns are g's runs of at least 4 fixed runes, for a quick filter.
func fixedRuns(g glob) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) >= 4 {
			out = append(out, string(cur))
		}
		cur = nil
	}
	for i, r := range g.r {
		if g.wild[i] {
			flush()
			continue
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// source is one string of the Go source as a glob.
type source struct {
	text string
	g    glob
	runs []string
}

// occursInSource reports whether msg (with … for varying parts; a leading
// or trailing … for a message quoted in part) is what some format string or
// literal of the source prints: at least 8 of its fixed characters, and 40%
// of them, must match the source's own text rather than its placeholders.
func occursInSource(msg string, src []source) bool {
	doc := docGlob(msg)
	need := max(8, (doc.literalRunes()*2+4)/5)
	docRuns := fixedRuns(doc)
	for _, s := range src {
		if !sharesRun(msg, docRuns, s) {
			continue
		}
		if overlap(doc, s.g) >= need {
			return true
		}
	}
	return false
}

// sharesRun is a quick filter: some run of fixed text of one side occurs in
// the other.
func sharesRun(msg string, docRuns []string, s source) bool {
	for _, r := range s.runs {
		if strings.Contains(msg, strings.TrimSpace(r)) {
			return true
		}
	}
	for _, r := range docRuns {
		if strings.Contains(s.text, strings.TrimSpace(r)) {
			return true
		}
	}
	return false
}

func sources(strs []string) []source {
	out := make([]source, 0, len(strs))
	for _, s := range strs {
		g := formatGlob(s)
		out = append(out, source{s, g, fixedRuns(g)})
	}
	return out
}

// TestTroubleshootingMessagesExist fails when a message quoted in a heading
// of docs/troubleshooting.md no longer occurs in the Go source.
func TestTroubleshootingMessagesExist(t *testing.T) {
	t.Parallel()
	md := readMarkdown(t, "troubleshooting.md")
	src := sources(sourceStrings(t))
	checked := 0
	for _, h := range md.headings {
		if !strings.HasPrefix(h.text, "`") || !strings.HasSuffix(h.text, "`") || strings.Count(h.text, "`") != 2 {
			t.Errorf("troubleshooting.md:%d: heading %q is not one `message` in a code span", h.line, h.text)
			continue
		}
		msg := strings.Trim(h.text, "`")
		checked++
		if !occursInSource(msg, src) {
			t.Errorf("troubleshooting.md:%d: %q no longer occurs in the Go source; update or remove the entry", h.line, msg)
		}
	}
	if checked < 40 {
		t.Errorf("only %d messages found in troubleshooting.md headings; the index lost its entries", checked)
	}
}

// TestMessageMatching shows what the matcher accepts and refuses.
func TestMessageMatching(t *testing.T) {
	t.Parallel()
	src := []string{
		"unknown %s %s",
		"%w: %d of %d %s records (%s%%) are gone from the ERP, more than erp.max_remove_share %s%%; " + "check it",
		"%s: %w",
		"line %d: SKU %q is not an ERP product",
		"store %s: prices.basis %q, but the %s platform takes %s prices",
	}
	srcs := sources(src)
	for msg, want := range map[string]bool{
		`unknown ERP driver "…"`:                      true,
		`line …: SKU "…" is not an ERP product`:       true,
		`line …: SKU "…" is not an ERP product today`: false,
		`snapshot would remove too much: … of … … records (…%) are gone from the ERP, more than erp.max_remove_share …%; …`: true,
		`this message was never written: really`:                false,
		`line …: EAN "…" is not an ERP product`:                 false,
		`… prices.basis "…", but the … platform takes … prices`: true,
		`… prices.basis "…", but the … platform takes … coins`:  false,
		`prices.basis "…", but the … platform takes … prices`:   false,
	} {
		if got := occursInSource(msg, srcs); got != want {
			t.Errorf("occursInSource(%q) = %v, want %v", msg, got, want)
		}
	}
}

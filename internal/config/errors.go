package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a config file, positioned at the YAML node that
// causes it. Line and Column are 1-based; Column is 0 when only the line is
// known (YAML syntax errors) and both are 0 when the problem has no place in
// the file.
type Error struct {
	File   string
	Line   int
	Column int
	// Path is the YAML path of the value, such as stores[2].rules.prices.list
	// or http.admin_tokens[0].role; empty for the file as a whole.
	Path string
	// Msg says what is wrong; it never contains a secret value.
	Msg string
	// Fix says what to do about it; empty when there is nothing to add.
	Fix string
}

// Error formats the problem as FILE:LINE:COL: PATH: MSG (fix: FIX).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	if e.Fix != "" {
		b.WriteString(" (fix: " + e.Fix + ")")
	}
	return b.String()
}

// Errors are all the problems found in one config file, sorted by line and
// column. Load and Parse return them as their error.
type Errors []*Error

// Error joins the problems, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sortErrors orders errs by position, keeping the order of errors at the
// same position.
func sortErrors(errs Errors) {
	slices.SortStableFunc(errs, func(a, b *Error) int {
		if c := cmp.Compare(a.Line, b.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Column, b.Column)
	})
}

// collector gathers the errors of one Parse and remembers which paths failed,
// so that validation does not report a value that did not decode a second time.
type collector struct {
	file   string
	errs   Errors
	failed map[string]bool
}

func newCollector(file string) *collector {
	return &collector{file: file, failed: map[string]bool{}}
}

// add records a problem at node n (nil: no position) for path.
func (c *collector) add(n *yaml.Node, path, fix, format string, args ...any) {
	e := &Error{File: c.file, Path: path, Msg: fmt.Sprintf(format, args...), Fix: fix}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	c.errs = append(c.errs, e)
	c.failed[path] = true
}

// hasFailed reports whether path or one of its ancestors has an error.
func (c *collector) hasFailed(path string) bool {
	for p := path; ; p = parentPath(p) {
		if c.failed[p] {
			return true
		}
		if p == "" {
			return false
		}
	}
}

// childPath is the path of key under path.
func childPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// indexPath is the path of element i of the list at path.
func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// mapKeyPath is the path of a user-chosen map key, quoted when it is not a
// plain word.
func mapKeyPath(path, key string) string {
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return path + "[" + strconv.Quote(key) + "]"
		}
	}
	if key == "" {
		return path + `[""]`
	}
	return childPath(path, key)
}

// parentPath strips the last element of path ("" for a top-level key).
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// suggest returns the candidate closest to word within edit distance 2, or "".
func suggest(word string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// levenshtein is the edit distance between a and b in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// oneOfFix is the fix for a value that must be one of allowed.
func oneOfFix(got string, allowed []string) string {
	fix := "use one of: " + strings.Join(allowed, ", ")
	if s := suggest(got, allowed); s != "" {
		fix = fmt.Sprintf("did you mean %q? ", s) + fix
	}
	return fix
}

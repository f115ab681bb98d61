package docscheck

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/erpbridge/erpbridge/adapters/all"
	"github.com/erpbridge/erpbridge/internal/cli"
	"github.com/erpbridge/erpbridge/internal/config"
	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/store"
)

// command is one erpbridge command as its --help describes it.
type command struct {
	subs  []string
	flags []string // without "--", global flags included
}

var (
	flagRe = regexp.MustCompile(`--([a-z][a-z-]*)`)
	subRe  = regexp.MustCompile(`^  ([a-z][a-z-]*)\s+\S`)
)

// commandTree reads every command's --help, starting at the root.
func commandTree(t *testing.T) map[string]command {
	t.Helper()
	tree := map[string]command{}
	var walk func(path []string)
	walk = func(path []string) {
		var out, errOut bytes.Buffer
		if code := cli.Main(context.Background(), append(slices.Clone(path), "--help"), &out, &errOut); code != 0 {
			t.Fatalf("erpbridge %s --help: exit %d: %s", strings.Join(path, " "), code, errOut.String())
		}
		var c command
		section := ""
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.HasSuffix(line, ":") && !strings.HasPrefix(line, " ") {
				section = line
				continue
			}
			switch section {
			case "Available Commands:":
				if m := subRe.FindStringSubmatch(line); m != nil && m[1] != "help" && m[1] != "completion" {
					c.subs = append(c.subs, m[1])
				}
			case "Flags:", "Global Flags:":
				if m := flagRe.FindStringSubmatch(line); m != nil {
					c.flags = append(c.flags, m[1])
				}
			}
		}
		tree[strings.Join(path, " ")] = c
		for _, s := range c.subs {
			walk(append(slices.Clone(path), s))
		}
	}
	walk(nil)
	if len(tree) < 10 {
		t.Fatalf("found only %d commands", len(tree))
	}
	return tree
}

// wordRe is a command word.
var wordRe = regexp.MustCompile(`^[a-z][a-z-]*$`)

// globalValueFlags take a value that is not a command word.
var globalValueFlags = []string{"--config", "--log-format", "--log-level"}

// invocationRe finds "erpbridge" used as a command: at a word start or
// after a path, followed by its arguments up to a shell separator.
var invocationRe = regexp.MustCompile("(?:^|[\\s/`(])erpbridge((?:[ \\t]+[^ \\t|;&#>)`]+)*)")

// checkInvocation checks one "erpbridge ARGS" use: the command words name
// a command and every --flag belongs to it. It ignores uses where the word
// after erpbridge is not a command word (a user name, a path).
func checkInvocation(tree map[string]command, args []string) string {
	var path []string
	i := 0
	for i < len(args) {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if slices.Contains(globalValueFlags, a) {
				i++
			}
			i++
			continue
		}
		break
	}
	if i == len(args) || !wordRe.MatchString(args[i]) {
		return ""
	}
	cur := tree[""]
	for ; i < len(args); i++ {
		if !slices.Contains(cur.subs, args[i]) {
			break
		}
		path = append(path, args[i])
		cur = tree[strings.Join(path, " ")]
	}
	if len(path) == 0 {
		return "no command " + args[i]
	}
	if len(cur.subs) > 0 && i < len(args) && wordRe.MatchString(args[i]) {
		return "erpbridge " + strings.Join(path, " ") + " has no subcommand " + args[i]
	}
	for _, a := range args {
		if m := flagRe.FindStringSubmatch(a); m != nil && strings.HasPrefix(a, "--") && !slices.Contains(cur.flags, m[1]) {
			return "erpbridge " + strings.Join(path, " ") + " has no flag --" + m[1]
		}
	}
	return ""
}

// TestDocumentedCommandsExist fails when an admin guide shows an erpbridge
// command or flag the binary does not have.
func TestDocumentedCommandsExist(t *testing.T) {
	t.Parallel()
	tree := commandTree(t)
	checked := 0
	check := func(file string, line int, text string) {
		for _, m := range invocationRe.FindAllStringSubmatch(text, -1) {
			args := strings.Fields(m[1])
			if msg := checkInvocation(tree, args); msg != "" {
				t.Errorf("%s:%d: %s (in %q)", file, line, msg, strings.TrimSpace(m[0]))
			} else if len(args) > 0 {
				checked++
			}
		}
	}
	for _, name := range adminDocs {
		md := readMarkdown(t, name)
		for _, s := range md.spans {
			check(name, s.line, s.text)
		}
		for _, b := range md.blocks {
			if b.info != "" && b.info != "sh" && b.info != "console" && b.info != "bash" {
				continue
			}
			for _, l := range b.lines {
				text, _, _ := strings.Cut(l.text, "#") // shell comments are prose
				check(name, l.line, text)
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d erpbridge invocations found in the admin guides", checked)
	}
}

// TestInvocationCheck shows what checkInvocation refuses.
func TestInvocationCheck(t *testing.T) {
	t.Parallel()
	tree := commandTree(t)
	for args, bad := range map[string]bool{
		"orders retry 12":                          false,
		"--config /etc/e.yaml erp check --limit 3": false,
		"erp bogus":                                true,
		"sync --bogus":                             true,
		"frobnicate":                               true,
		"/var/lib/erpbridge":                       false, // a path, not a command
	} {
		if got := checkInvocation(tree, strings.Fields(args)) != ""; got != bad {
			t.Errorf("checkInvocation(%q) reports a problem: %v, want %v", args, got, bad)
		}
	}
}

// keyPathRe matches a dotted config key such as rules.prices.basis or
// stores[0].orders.shipping_map in a code span.
var keyPathRe = regexp.MustCompile(`^[a-z][a-z_]*(\[\d*\])?(\.[a-z][a-z_]*(\[\d*\])?)+$`)

// TestDocumentedKeysExist fails when an admin guide names a dotted config
// key that the config reference (generated from the types) does not have.
// A key may be written from any section down (prices.basis).
func TestDocumentedKeysExist(t *testing.T) {
	t.Parallel()
	var ref bytes.Buffer
	if err := config.Reference(&ref, erp.Registry, store.Registry); err != nil {
		t.Fatal(err)
	}
	known := knownKeyPaths(ref.String())
	names := map[string]bool{}
	for _, p := range known {
		for _, seg := range strings.Split(p, ".") {
			names[seg] = true
		}
	}
	checked := 0
	for _, name := range adminDocs {
		for _, s := range readMarkdown(t, name).spans {
			key := strings.TrimSuffix(s.text, ":")
			if !keyPathRe.MatchString(key) {
				continue
			}
			norm := regexp.MustCompile(`\[\d*\]`).ReplaceAllString(key, "")
			if !names[strings.Split(norm, ".")[0]] {
				continue // not a config key (erpbridge.erpbridge_orders)
			}
			checked++
			if !slices.ContainsFunc(known, func(p string) bool { return p == norm || strings.HasSuffix(p, "."+norm) }) {
				t.Errorf("%s:%d: %s is not a config key (see docs/config-reference.md)", name, s.line, key)
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d config keys found in the admin guides", checked)
	}
}

// knownKeyPaths lists every key of the reference as a dotted path without
// list markers: "stores.rules.prices.basis", "erp.options.erp_schema",
// "stores.connection.url".
func knownKeyPaths(ref string) []string {
	section := ""
	var out []string
	headRe := regexp.MustCompile("^#+ `([a-z_.\\[\\]]+)`")
	rowRe := regexp.MustCompile("^\\| `([a-z_]+)`")
	for _, line := range strings.Split(ref, "\n") {
		switch {
		case strings.HasPrefix(line, "## Top level"):
			section = ""
		case strings.HasPrefix(line, "#"):
			if m := headRe.FindStringSubmatch(line); m != nil {
				section = strings.ReplaceAll(m[1], "[]", "")
			}
		default:
			if m := rowRe.FindStringSubmatch(line); m != nil {
				key := m[1]
				if section != "" {
					key = section + "." + key
				}
				out = append(out, key)
				if strings.Contains(line, "`"+m[1]+"_file`") {
					out = append(out, key+"_file")
				}
			}
		}
	}
	return out
}

// grantRe finds "GRANT SELECT ON CDN.Table" in the Comarch guide.
var grantRe = regexp.MustCompile(`GRANT SELECT ON (CDN\.[A-Za-z]+)`)

// TestComarchGrantsMatchProfiles fails when the grants docs/comarch.md lists
// for a profile differ from the CDN tables that profile's SQL files read.
func TestComarchGrantsMatchProfiles(t *testing.T) {
	t.Parallel()
	md := readMarkdown(t, "comarch.md")
	cdnRe := regexp.MustCompile(`CDN\.[A-Za-z]+`)
	found := 0
	for _, b := range md.blocks {
		if len(b.lines) == 0 || !strings.HasPrefix(b.lines[0].text, "-- grants for profile: ") {
			continue
		}
		profile := strings.TrimPrefix(b.lines[0].text, "-- grants for profile: ")
		found++
		var granted []string
		for _, l := range b.lines {
			if m := grantRe.FindStringSubmatch(l.text); m != nil {
				granted = append(granted, m[1])
			}
		}
		files, err := filepath.Glob(filepath.Join(repoRoot, "adapters/erp/sqlerp/profiles", profile, "*.sql"))
		if err != nil || len(files) == 0 {
			t.Errorf("comarch.md:%d: no SQL files for profile %q", b.lines[0].line, profile)
			continue
		}
		var read []string
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			read = append(read, cdnRe.FindAllString(string(data), -1)...)
		}
		slices.Sort(granted)
		slices.Sort(read)
		read = slices.Compact(read)
		if !slices.Equal(granted, read) {
			t.Errorf("comarch.md:%d: profile %s grants %v, its queries read %v", b.lines[0].line, profile, granted, read)
		}
	}
	if found != 2 {
		t.Errorf("found grants for %d profiles in comarch.md, want comarch-optima and comarch-xl", found)
	}
}

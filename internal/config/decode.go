package config

import (
	"reflect"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Limits that keep hostile input (alias bombs, self-referencing anchors,
// deep nesting) from exhausting the process.
const (
	maxAliases = 10000
	maxDepth   = 64
)

// decoder walks a yaml.Node tree against Go types by reflection, collecting
// every problem instead of stopping at the first one.
type decoder struct {
	c        *collector
	lookup   func(string) (string, bool)
	readFile func(string) ([]byte, error)
	// dir is the directory relative *_file paths are read from.
	dir string
	// pos maps each decoded path to its node, for validation errors.
	pos map[string]*yaml.Node
	// keys maps the path of each value given in the file to its key node.
	keys map[string]*yaml.Node
	// deferred holds the nodes of interface-typed fields (adapter options),
	// decoded once the adapter's factory is known.
	deferred map[string]*yaml.Node
	aliases  int
	depth    int
}

func newDecoder(c *collector, o Options, dir string) *decoder {
	return &decoder{
		c:        c,
		lookup:   o.LookupEnv,
		readFile: o.ReadFile,
		dir:      dir,
		pos:      map[string]*yaml.Node{},
		keys:     map[string]*yaml.Node{},
		deferred: map[string]*yaml.Node{},
		aliases:  maxAliases,
	}
}

// loc is where in the file a value is being decoded.
type loc struct {
	path string
	// key is the YAML key of the value, for fixes ("use dsn_file").
	key string
	// anchor is the nearest node present in the file.
	anchor *yaml.Node
	// owner is the key node of the nearest enclosing section given by key
	// (nil inside a list element); missing keys are reported there, or at
	// anchor when there is none.
	owner *yaml.Node
	// secret marks a value that must never appear in a message.
	secret bool
	// creds marks an adapter credentials struct: every string in it is secret.
	creds bool
}

func (l loc) child(key string) loc {
	return loc{path: childPath(l.path, key), key: key, anchor: l.anchor, owner: l.owner, creds: l.creds}
}

func (l loc) at(n *yaml.Node) loc {
	if n != nil && n.Line > 0 {
		l.anchor = n
	}
	return l
}

// where is the node a problem with an absent value at l is reported at.
func (l loc) where() *yaml.Node {
	if l.owner != nil {
		return l.owner
	}
	return l.anchor
}

// at returns the node recorded for path or its nearest recorded ancestor.
func (d *decoder) at(path string) *yaml.Node {
	for p := path; ; p = parentPath(p) {
		if n, ok := d.pos[p]; ok {
			return n
		}
		if p == "" {
			return nil
		}
	}
}

// resolve follows aliases, spending the alias budget.
func (d *decoder) resolve(n *yaml.Node, l loc) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		d.aliases--
		if d.aliases < 0 {
			if d.aliases == -1 {
				d.c.add(n, l.path, "expand the aliases by hand", "the file uses more than %d aliases", maxAliases)
			}
			return nil
		}
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// decode decodes n into v.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, l loc) {
	if n = d.resolve(n, l); n == nil {
		return
	}
	if d.depth >= maxDepth {
		d.c.add(n, l.path, "flatten the structure", "values are nested more than %d levels deep", maxDepth)
		return
	}
	d.depth++
	defer func() { d.depth-- }()
	l = l.at(n)
	if _, ok := d.pos[l.path]; !ok {
		d.pos[l.path] = n
	}
	if st, ok := scalarTypeOf(v.Type()); ok {
		d.decodeScalar(n, v, l, st)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			v.SetZero()
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), l)
	case reflect.Struct:
		d.decodeStruct(n, v, l)
	case reflect.Slice:
		d.decodeSlice(n, v, l)
	case reflect.Map:
		d.decodeMap(n, v, l)
	case reflect.Interface:
		d.deferred[l.path] = n
	default:
		d.c.add(n, l.path, "report this to the adapter's authors", "the program cannot decode a value of Go type %s", v.Type())
	}
}

// decodeScalar decodes a single value, after ${VAR} interpolation.
func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, l loc, st scalarType) {
	s, ok := d.text(n, l, st.want)
	if !ok {
		return
	}
	msg, fix := st.set(s, v)
	if msg == "" {
		return
	}
	if l.secret {
		msg = "the value is not valid (not shown: it is a secret)"
	}
	d.c.add(n, l.path, fix, "%s", msg)
}

// text returns the interpolated text of scalar n, or reports why there is none.
func (d *decoder) text(n *yaml.Node, l loc, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.c.add(n, l.path, "write "+want, "expected %s, got %s", want, describe(n, l))
		return "", false
	}
	s := n.Value
	if isNull(n) {
		s = ""
	}
	out, err := expand(s, d.lookup)
	if err != nil {
		d.c.add(n, l.path, envFix(err, l), "%s", err.Msg)
		return "", false
	}
	return out, true
}

// envFix is the fix for a bad ${VAR} reference in the value at l.
func envFix(err *envError, l loc) string {
	switch {
	case err.Name == "":
		return "write ${NAME} for an environment variable, or $${ for a literal ${"
	case l.secret && l.key != "":
		return "export " + err.Name + " before starting erpbridge, or put the value in a file and use " + l.key + "_file instead"
	default:
		return "export " + err.Name + " before starting erpbridge, or write the value here directly"
	}
}

// describe names what node n is, for "expected X, got Y" messages.
func describe(n *yaml.Node, l loc) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping (key: value lines)"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "an empty value"
		}
		if l.secret || l.creds {
			return "a single value"
		}
		return "the single value " + quote(n.Value)
	default:
		return "something else"
	}
}

// quote quotes s for a message, shortening very long values.
func quote(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return strconv.Quote(s)
}

// decodeSlice decodes a YAML list.
func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, l loc) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.c.add(n, l.path, "write a list: [a, b] or one \"- item\" per line", "expected a list, got %s", describe(n, l))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		el := l
		el.path = indexPath(l.path, i)
		el.owner = nil
		d.decode(e, s.Index(i), el)
	}
	v.Set(s)
}

// decodeMap decodes a mapping with user-chosen keys into a map[string]T.
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, l loc) {
	if isNull(n) {
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		d.c.add(n, l.path, "report this to the adapter's authors", "the program cannot decode a map keyed by %s", v.Type().Key())
		return
	}
	if n.Kind != yaml.MappingNode {
		d.c.add(n, l.path, "write key: value lines", "expected a mapping (key: value lines), got %s", describe(n, l))
		return
	}
	m := reflect.MakeMap(v.Type())
	for _, p := range d.pairs(n, l) {
		k := reflect.New(v.Type().Key()).Elem()
		k.SetString(p.name)
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(p.val, e, loc{path: mapKeyPath(l.path, p.name), key: p.name, anchor: l.anchor, secret: l.secret})
		m.SetMapIndex(k, e)
	}
	v.Set(m)
}

// pair is one key: value of a mapping.
type pair struct {
	key, val *yaml.Node
	name     string
}

// pairs returns the entries of mapping n with merge keys (<<) expanded:
// explicit keys win over merged ones. Duplicate and non-scalar keys are
// reported and left out.
func (d *decoder) pairs(n *yaml.Node, l loc) []pair {
	if d.depth >= maxDepth {
		d.c.add(n, l.path, "flatten the structure", "values are nested more than %d levels deep", maxDepth)
		return nil
	}
	d.depth++
	defer func() { d.depth-- }()
	var out, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := d.resolve(n.Content[i], l), n.Content[i+1]
		switch {
		case k == nil:
			continue
		case k.Kind != yaml.ScalarNode:
			d.c.add(k, l.path, "write a plain word before the colon", "a key must be a plain word, not %s", describe(k, l))
		case k.Tag == "!!merge":
			merged = append(merged, d.mergePairs(val, l)...)
		case seen[k.Value] != nil:
			d.c.add(k, mapKeyPath(l.path, k.Value), "remove one of them", "duplicate key %s (first at line %d)", quote(k.Value), seen[k.Value].Line)
		default:
			seen[k.Value] = k
			out = append(out, pair{key: k, val: val, name: k.Value})
		}
	}
	for _, p := range merged {
		if seen[p.name] == nil {
			seen[p.name] = p.key
			out = append(out, p)
		}
	}
	return out
}

// mergePairs returns the entries a merge key (<<: *anchor or <<: [*a, *b]) adds.
func (d *decoder) mergePairs(m *yaml.Node, l loc) []pair {
	m = d.resolve(m, l)
	if m == nil {
		return nil
	}
	switch m.Kind {
	case yaml.MappingNode:
		return d.pairs(m, l)
	case yaml.SequenceNode:
		var out []pair
		for _, e := range m.Content {
			out = append(out, d.mergePairs(e, l)...)
		}
		return out
	default:
		d.c.add(m, l.path, "merge an anchored mapping: <<: *name", "<< must be followed by a mapping or a list of mappings")
		return nil
	}
}

package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// field is one YAML key of a struct, read from its tags:
// `yaml:"name"`, `required:"true"`, `default:"..."`.
type field struct {
	name     string
	index    []int
	required bool
	def      string
	hasDef   bool
	// secret fields also accept a <name>_file key.
	secret bool
}

// fieldsOf lists the YAML keys of struct type t. In a credentials struct
// (creds) every string field is a secret. Untagged fields use the lowercased
// Go name, as the yaml package does; `yaml:",inline"` structs are flattened.
func fieldsOf(t reflect.Type, creds bool) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if slices.Contains(strings.Split(opts, ","), "inline") && sf.Type.Kind() == reflect.Struct {
			for _, f := range fieldsOf(sf.Type, creds) {
				f.index = append([]int{i}, f.index...)
				out = append(out, f)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		def, hasDef := sf.Tag.Lookup("default")
		out = append(out, field{
			name:     name,
			index:    []int{i},
			required: sf.Tag.Get("required") == "true",
			def:      def,
			hasDef:   hasDef,
			secret:   sf.Type == secretType || creds && sf.Type.Kind() == reflect.String,
		})
	}
	return out
}

// knownKeys are the keys a struct accepts, *_file variants included.
func knownKeys(fields []field) []string {
	var keys []string
	for _, f := range fields {
		keys = append(keys, f.name)
		if f.secret {
			keys = append(keys, f.name+"_file")
		}
	}
	return keys
}

// decodeStruct decodes mapping n (nil: the struct is absent from the file)
// into struct v: unknown keys, missing required keys and both-given secrets
// are reported; absent keys get their defaults.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, l loc) {
	if isNull(n) {
		n = nil
	}
	if n != nil && n.Kind != yaml.MappingNode {
		d.c.add(n, l.path, "write key: value lines indented under "+keyOrFile(l.key), "expected a mapping (key: value lines), got %s", describe(n, l))
		return
	}
	fields := fieldsOf(v.Type(), l.creds)
	given := d.givenKeys(n, l, fields)
	for _, f := range fields {
		d.decodeField(f, given, v.FieldByIndex(f.index), l)
	}
}

func keyOrFile(key string) string {
	if key == "" {
		return "the file's top level"
	}
	return key + ":"
}

// givenKeys returns the entries of n by key, reporting unknown keys.
func (d *decoder) givenKeys(n *yaml.Node, l loc, fields []field) map[string]pair {
	given := map[string]pair{}
	if n == nil {
		return given
	}
	known := knownKeys(fields)
	for _, p := range d.pairs(n, l) {
		if !slices.Contains(known, p.name) {
			d.c.add(p.key, mapKeyPath(l.path, p.name), unknownKeyFix(p.name, known), "unknown key %s", quote(p.name))
			continue
		}
		given[p.name] = p
	}
	return given
}

func unknownKeyFix(name string, known []string) string {
	if s := suggest(name, known); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	if len(known) == 0 {
		return "remove it; nothing can be set here"
	}
	return "remove it; the keys here are: " + strings.Join(known, ", ")
}

// decodeField decodes one field of a struct from the given entries.
func (d *decoder) decodeField(f field, given map[string]pair, fv reflect.Value, l loc) {
	fl := l.child(f.name)
	fl.secret = f.secret
	val, has := given[f.name]
	if has {
		val.val = d.resolve(val.val, fl)
		has = val.val != nil
	}
	file, hasFile := given[f.name+"_file"]
	if hasFile {
		file.val = d.resolve(file.val, fl)
		hasFile = file.val != nil && !isNull(file.val)
	}
	if has && isNull(val.val) {
		if f.required {
			d.c.add(val.key, fl.path, fmt.Sprintf("write a value after %s:", f.name), "%s has no value", f.name)
			return
		}
		has = false
	}
	switch {
	case has && hasFile:
		d.c.add(file.key, fl.path, fmt.Sprintf("keep only one of %s and %s_file", f.name, f.name), "both %s and %s_file are set", f.name, f.name)
	case hasFile:
		d.readSecret(file.val, fv, l.child(f.name+"_file").at(file.key), f.required)
	case has:
		fl.owner = val.key
		d.keys[fl.path] = val.key
		d.decode(val.val, fv, fl)
		if f.required && !d.c.failed[fl.path] && isEmpty(fv) {
			d.c.add(val.val, fl.path, fmt.Sprintf("write a value after %s:", f.name), "%s must not be empty", f.name)
		}
	default:
		d.absent(f, fv, fl)
	}
}

// absent handles a field whose key is not in the file.
func (d *decoder) absent(f field, fv reflect.Value, l loc) {
	switch {
	case f.required:
		d.c.add(l.where(), l.path, missingFix(f, parentPath(l.path)), "missing required key %q", f.name)
	case f.hasDef:
		d.applyDefault(f.def, fv, l)
	case fv.Kind() == reflect.Struct && !isScalar(fv.Type()):
		// Decode an absent section as empty so that its own defaults and
		// required keys apply.
		d.decodeStruct(nil, fv, l)
	}
}

func missingFix(f field, parent string) string {
	key := fmt.Sprintf("%q", f.name+":")
	if f.secret {
		key += fmt.Sprintf(" (or %q)", f.name+"_file:")
	}
	if parent == "" {
		return "add " + key + " at the top level"
	}
	return "add " + key + " under " + parent
}

// applyDefault decodes a `default:"..."` tag into fv. A default starting
// with "[" is a YAML flow list such as [nip,email].
func (d *decoder) applyDefault(def string, fv reflect.Value, l loc) {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: def}
	if strings.HasPrefix(def, "[") {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(def), &doc); err != nil || len(doc.Content) != 1 {
			d.c.add(l.anchor, l.path, "report this to erpbridge's authors", "the built-in default %q does not parse", def)
			return
		}
		n = doc.Content[0]
	}
	placeAt(n, l.anchor)
	d.decode(n, fv, l)
}

// placeAt gives n and its children the position of anchor, so that any
// problem with a default is reported where the default applies.
func placeAt(n, anchor *yaml.Node) {
	line, col := 0, 0
	if anchor != nil {
		line, col = anchor.Line, anchor.Column
	}
	n.Line, n.Column = line, col
	for _, c := range n.Content {
		placeAt(c, anchor)
	}
}

// isEmpty reports whether a required value is empty.
func isEmpty(v reflect.Value) bool {
	switch {
	case v.Type() == secretType:
		return !v.Interface().(Secret).IsSet()
	case v.Kind() == reflect.String:
		return v.Len() == 0
	default:
		return false
	}
}

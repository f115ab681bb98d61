package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/registry"
	"github.com/erpbridge/erpbridge/internal/store"
)

// Options are what Load reads through; nil fields take the defaults.
type Options struct {
	// Stores are the store adapters (default store.Registry).
	Stores *registry.Registry[store.Factory]
	// ERPs are the ERP adapters (default erp.Registry).
	ERPs *registry.Registry[erp.Factory]
	// LookupEnv resolves ${VAR} (default os.LookupEnv).
	LookupEnv func(string) (string, bool)
	// ReadFile reads the config file and *_file secrets (default os.ReadFile).
	ReadFile func(string) ([]byte, error)
}

func (o Options) withDefaults() Options {
	if o.Stores == nil {
		o.Stores = store.Registry
	}
	if o.ERPs == nil {
		o.ERPs = erp.Registry
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
	return o
}

// Load reads the config file at path with the default adapter registries and
// the process environment. See LoadWith.
func Load(path string) (*Config, error) {
	return LoadWith(path, Options{})
}

// LoadWith reads and checks the config file at path. A file that cannot be
// read gives a wrapped error; problems in its content give Errors, every one
// of them, sorted by position.
func LoadWith(path string, o Options) (*Config, error) {
	o = o.withDefaults()
	data, err := o.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	return Parse(path, data, o)
}

// Parse checks config data as if read from the file name: YAML syntax,
// strict decoding with ${VAR} interpolation, *_file secrets and defaults,
// the adapters' own options, then validation. Relative *_file paths are read
// from name's directory. On any problem it returns nil and Errors.
func Parse(name string, data []byte, o Options) (*Config, error) {
	o = o.withDefaults()
	c := newCollector(name)
	root, ok := parseYAML(data, c)
	if !ok {
		return nil, c.errs
	}
	d := newDecoder(c, o, filepath.Dir(name))
	if root != nil {
		d.pos[""] = root
	}
	cfg := &Config{Path: name}
	d.decodeStruct(root, reflect.ValueOf(cfg).Elem(), loc{anchor: root})
	d.decodeAdapters(cfg, o.ERPs, o.Stores)
	validate(d, cfg)
	if len(c.errs) > 0 {
		scrub(c.errs, cfg.Secrets())
		sortErrors(c.errs)
		return nil, c.errs
	}
	return cfg, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses data into its root node (nil for an empty file),
// reporting syntax errors, extra documents and a root that is not a mapping.
func parseYAML(data []byte, c *collector) (root *yaml.Node, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.add(nil, "", "check the file's YAML syntax", "the YAML parser failed: %v", r)
			root, ok = nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		syntaxError(c, err)
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			syntaxError(c, err)
		} else {
			c.add(&extra, "", "keep one document: remove the --- line and what follows", "the file holds more than one YAML document")
		}
		return nil, false
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, true
	}
	root = doc.Content[0]
	if root.Kind != yaml.MappingNode {
		c.add(root, "", "start the file with top-level keys such as erp:, state: and stores:", "the file must be a mapping of keys, not %s", describe(root, loc{}))
		return nil, false
	}
	return root, true
}

// syntaxError reports a YAML parser error at its line when it names one.
func syntaxError(c *collector, err error) {
	const fix = "check the indentation and quoting on this line and the one before it"
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		c.add(&yaml.Node{Line: line}, "", fix, "YAML syntax error: %s", m[2])
		return
	}
	c.add(nil, "", fix, "YAML syntax error: %s", trimYAMLPrefix(err.Error()))
}

func trimYAMLPrefix(s string) string {
	if len(s) > 6 && s[:6] == "yaml: " {
		return s[6:]
	}
	return s
}

// StoreByID returns the store with the given id.
func (c *Config) StoreByID(id string) (*Store, bool) {
	for i := range c.Stores {
		if c.Stores[i].ID == id {
			return &c.Stores[i], true
		}
	}
	return nil, false
}

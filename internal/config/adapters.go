package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/erpbridge/erpbridge/internal/erp"
	"github.com/erpbridge/erpbridge/internal/registry"
	"github.com/erpbridge/erpbridge/internal/store"
)

// decodeAdapters looks up the ERP and store adapters and decodes their own
// option structs from the nodes decode deferred.
func (d *decoder) decodeAdapters(cfg *Config, ers *registry.Registry[erp.Factory], srs *registry.Registry[store.Factory]) {
	d.decodeERP(&cfg.ERP, ers)
	for i := range cfg.Stores {
		d.decodeStore(&cfg.Stores[i], indexPath("stores", i), srs)
	}
}

func (d *decoder) decodeERP(e *ERP, reg *registry.Registry[erp.Factory]) {
	if d.c.hasFailed("erp.type") {
		return
	}
	f, ok := reg.Lookup(e.Type)
	if !ok {
		d.c.add(d.at("erp.type"), "erp.type", typeFix(e.Type, reg.Names(), "ERP"), "unknown ERP type %s", quote(e.Type))
		return
	}
	if len(f.Profiles) > 0 && !d.c.hasFailed("erp.profile") && !slices.Contains(f.Profiles, e.Profile) {
		d.c.add(d.at("erp.profile"), "erp.profile", oneOfFix(e.Profile, f.Profiles),
			"ERP type %q has no profile %s", e.Type, quote(e.Profile))
	}
	e.Options = d.decodeOptions("erp.options", f.Options, false, fmt.Sprintf("ERP type %q", e.Type))
	// Options that only some drivers support say so through ValidateFor.
	if v, ok := e.Options.(interface{ ValidateFor(driver string) error }); ok && !d.c.hasFailed("erp.driver") {
		if err := v.ValidateFor(e.Driver); err != nil {
			d.c.add(d.at("erp.options"), "erp.options", "", "%v", err)
		}
	}
}

func (d *decoder) decodeStore(s *Store, path string, reg *registry.Registry[store.Factory]) {
	typePath := childPath(path, "type")
	if d.c.hasFailed(typePath) {
		return
	}
	f, ok := reg.Lookup(s.Type)
	if !ok {
		d.c.add(d.at(typePath), typePath, typeFix(s.Type, reg.Names(), "store"), "unknown store type %s", quote(s.Type))
		return
	}
	what := fmt.Sprintf("store type %q", s.Type)
	s.Connection = d.decodeOptions(childPath(path, "connection"), f.Connection, false, what)
	s.Credentials = d.decodeOptions(childPath(path, "credentials"), f.Credentials, true, what)
}

func typeFix(got string, known []string, what string) string {
	if len(known) == 0 {
		return "no " + what + " adapters are built into this program"
	}
	return oneOfFix(got, known)
}

// decodeOptions decodes the deferred node at path into a fresh struct from
// newFn, with the same strictness, defaults and positions as the rest of the
// file. With no newFn the key must be absent or empty.
func (d *decoder) decodeOptions(path string, newFn func() any, creds bool, what string) any {
	n := d.deferred[path]
	key := path[strings.LastIndexByte(path, '.')+1:]
	if newFn == nil {
		if n != nil && !isNull(n) && len(n.Content) > 0 {
			d.c.add(n, path, "remove "+key+":", "%s takes no %s", what, key)
		}
		return nil
	}
	p := newFn()
	rv := reflect.ValueOf(p)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		d.c.add(d.at(path), path, "report this to the adapter's authors", "%s returned %T for its %s, not a pointer to a struct", what, p, key)
		return nil
	}
	d.decodeStruct(n, rv.Elem(), loc{path: path, key: key, anchor: d.at(path), owner: d.keys[path], creds: creds})
	return p
}

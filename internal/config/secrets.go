package config

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// readSecret reads the file named by the <key>_file value n into fv, with
// trailing newlines and spaces trimmed. A relative name is read from the
// config file's directory. A required secret's file must not be empty.
func (d *decoder) readSecret(n *yaml.Node, fv reflect.Value, l loc, required bool) {
	n = d.resolve(n, l)
	if n == nil {
		return
	}
	d.pos[l.path] = n
	name, ok := d.text(n, l, "a file name")
	if !ok {
		return
	}
	if strings.TrimSpace(name) == "" {
		d.c.add(n, l.path, "write the path of the file that holds the secret", "the file name is empty")
		return
	}
	if !filepath.IsAbs(name) && d.dir != "" {
		name = filepath.Join(d.dir, name)
	}
	data, err := d.readFile(name)
	if err != nil {
		d.c.add(n, l.path, "check that the file exists and that erpbridge may read it",
			"cannot read secret file %q: %s", name, fileErrText(err))
		return
	}
	value := strings.TrimRight(string(data), " \t\r\n")
	if required && value == "" {
		d.c.add(n, l.path, "put the secret in the file", "secret file %q is empty", name)
		return
	}
	d.setSecretText(n, fv, l, value)
}

// fileErrText describes a file error without repeating the file name.
func fileErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// setSecretText stores s in a Secret or string field.
func (d *decoder) setSecretText(n *yaml.Node, fv reflect.Value, l loc, s string) {
	switch {
	case fv.Type() == secretType:
		fv.Set(reflect.ValueOf(NewSecret(s)))
	case fv.Kind() == reflect.String:
		fv.SetString(s)
	default:
		d.c.add(n, l.path, "report this to the adapter's authors", "a secret must be a string field, not %s", fv.Type())
	}
}

// Secrets returns every non-empty secret value in c: each Secret field
// (adapter option structs included) and every string of each store's
// credentials. Use it to scrub logs and in tests.
func (c *Config) Secrets() []string {
	var out []string
	seen := map[string]bool{}
	walkSecrets(reflect.ValueOf(c).Elem(), false, func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	})
	return out
}

var storeType = reflect.TypeFor[Store]()

// walkSecrets calls add for every secret in v; in credentials (creds) every
// string is a secret.
func walkSecrets(v reflect.Value, creds bool, add func(string)) {
	if v.Type() == secretType {
		add(v.Interface().(Secret).Reveal())
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkSecrets(v.Elem(), creds, add)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if sf.IsExported() {
				walkSecrets(v.Field(i), creds || v.Type() == storeType && sf.Name == "Credentials", add)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkSecrets(v.Index(i), creds, add)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			walkSecrets(it.Value(), creds, add)
		}
	case reflect.String:
		if creds {
			add(v.String())
		}
	}
}

// scrub replaces secret values in the messages of errs, in case one reached
// a message through a value that is not itself secret. Very short secrets
// are left alone: replacing them would garble the messages.
func scrub(errs Errors, secrets []string) {
	for _, s := range secrets {
		if len(s) < 6 {
			continue
		}
		for _, e := range errs {
			e.Msg = strings.ReplaceAll(e.Msg, s, Redacted)
			e.Fix = strings.ReplaceAll(e.Fix, s, Redacted)
		}
	}
}

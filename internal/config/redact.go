package config

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()

// Redacted returns the effective config as YAML: defaults filled in, the
// adapters' option structs included, and every non-empty secret (Secret
// fields and all credentials) written as "<redacted>". A secret read from a
// *_file key is shown under its plain key (dsn: <redacted>); the file's path
// is not kept. Empty secrets are written as "" so that unset ones stand out.
func (c *Config) Redacted() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(encodeValue(reflect.ValueOf(c).Elem(), false)); err != nil {
		return nil, fmt.Errorf("config: redact: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: redact: %w", err)
	}
	return buf.Bytes(), nil
}

func scalarNode(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

func redactedNode(set bool) *yaml.Node {
	if set {
		return scalarNode("!!str", Redacted)
	}
	return scalarNode("!!str", "")
}

// encodeValue turns v into a YAML node; in credentials (creds) every string
// is redacted.
func encodeValue(v reflect.Value, creds bool) *yaml.Node {
	t := v.Type()
	switch {
	case t == secretType:
		return redactedNode(v.Interface().(Secret).IsSet())
	case creds && t.Kind() == reflect.String:
		return redactedNode(v.Len() > 0)
	case t == timeDurationType:
		return scalarNode("!!str", v.Interface().(fmt.Stringer).String())
	case t == decimalType:
		// Untagged, so that the number is written plain, not quoted.
		return scalarNode("", v.Interface().(fmt.Stringer).String())
	case t.Implements(textMarshalerType) && v.CanInterface():
		text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return scalarNode("!!null", "")
		}
		return scalarNode("!!str", escapeDollar(string(text)))
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return scalarNode("!!null", "null")
		}
		return encodeValue(v.Elem(), creds)
	case reflect.Struct:
		return encodeStruct(v, creds)
	case reflect.Slice, reflect.Array:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if v.Len() == 0 {
			n.Style = yaml.FlowStyle
		}
		for i := range v.Len() {
			n.Content = append(n.Content, encodeValue(v.Index(i), creds))
		}
		return n
	case reflect.Map:
		return encodeMap(v, creds)
	case reflect.Bool:
		return scalarNode("!!bool", strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalarNode("!!int", strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return scalarNode("!!int", strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		return scalarNode("!!float", strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case reflect.String:
		return scalarNode("!!str", escapeDollar(v.String()))
	default:
		return scalarNode("!!null", "null")
	}
}

// escapeDollar writes "${" as "$${" so that the output loads back unchanged.
func escapeDollar(s string) string {
	return strings.ReplaceAll(s, "${", "$${")
}

func encodeStruct(v reflect.Value, creds bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, f := range fieldsOf(v.Type(), creds) {
		fc := creds || v.Type() == storeType && f.name == "credentials"
		n.Content = append(n.Content, scalarNode("!!str", f.name), encodeValue(v.FieldByIndex(f.index), fc))
	}
	return n
}

func encodeMap(v reflect.Value, creds bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	if v.Len() == 0 {
		n.Style = yaml.FlowStyle
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		return cmp.Compare(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
	})
	for _, k := range keys {
		n.Content = append(n.Content, scalarNode("!!str", fmt.Sprint(k.Interface())), encodeValue(v.MapIndex(k), creds))
	}
	return n
}

// LogValue implements slog.LogValuer: logging a Config shows its file, ERP
// and store ids, never a secret.
func (c Config) LogValue() slog.Value {
	ids := make([]string, len(c.Stores))
	for i, s := range c.Stores {
		ids[i] = s.ID
	}
	return slog.GroupValue(
		slog.String("path", c.Path),
		slog.String("erp_type", c.ERP.Type),
		slog.String("erp_driver", c.ERP.Driver),
		slog.String("erp_profile", c.ERP.Profile),
		slog.Any("stores", ids),
	)
}

// LogValue implements slog.LogValuer: logging a Store shows its id and type,
// never its credentials.
func (s Store) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", s.ID), slog.String("type", s.Type))
}

// MarshalYAML implements yaml.Marshaler with the redacted form (see Redacted).
func (c Config) MarshalYAML() (any, error) {
	return encodeValue(reflect.ValueOf(c), false), nil
}

// MarshalJSON implements json.Marshaler with the redacted form, so that
// neither json.Marshal nor a JSON log handler can reveal credentials.
func (c Config) MarshalJSON() ([]byte, error) {
	return redactedJSON(reflect.ValueOf(c))
}

// MarshalYAML implements yaml.Marshaler with the redacted form.
func (s Store) MarshalYAML() (any, error) {
	return encodeValue(reflect.ValueOf(s), false), nil
}

// MarshalJSON implements json.Marshaler with the redacted form.
func (s Store) MarshalJSON() ([]byte, error) {
	return redactedJSON(reflect.ValueOf(s))
}

// redactedJSON encodes v as JSON through its redacted YAML form.
func redactedJSON(v reflect.Value) ([]byte, error) {
	var generic any
	if err := encodeValue(v, false).Decode(&generic); err != nil {
		return nil, fmt.Errorf("config: redact: %w", err)
	}
	b, err := json.Marshal(generic)
	if err != nil {
		return nil, fmt.Errorf("config: redact: %w", err)
	}
	return b, nil
}

package config

import (
	"fmt"
	"strings"
)

// envError is a problem with a ${VAR} reference.
type envError struct {
	// Name is the variable; empty for a malformed reference.
	Name string
	Msg  string
}

func (e *envError) Error() string { return e.Msg }

// expand replaces every ${NAME} in s with the value of the environment
// variable NAME, looked up with lookup. "$${" is a literal "${"; a "$" not
// followed by "{" is kept as it is. An unset variable is an error (a variable
// set to "" expands to ""). NAME is letters, digits and underscores, not
// starting with a digit.
func expand(s string, lookup func(string) (string, bool)) (string, *envError) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", &envError{Msg: `"${" without a closing "}"`}
			}
			name := s[i+2 : i+2+end]
			if !validEnvName(name) {
				return "", &envError{Msg: fmt.Sprintf("%q is not a valid environment variable name", name)}
			}
			val, ok := lookup(name)
			if !ok {
				return "", &envError{Name: name, Msg: fmt.Sprintf("environment variable %s is not set", name)}
			}
			b.WriteString(val)
			i += 2 + end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}

// validEnvName reports whether name is a usable environment variable name.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Package config loads erpbridge's one YAML file.
//
// Load (or LoadWith, or Parse for bytes) reads the file into a Config:
//
//   - Decoding is strict and collects every problem, not just the first:
//     unknown keys (with a "did you mean" suggestion), wrong types, missing
//     required keys, duplicate keys. Each problem is an *Error naming
//     FILE:LINE:COL, the YAML path (stores[2].rules.prices.list) and the fix;
//     Load returns them all as Errors, sorted by position.
//   - ${NAME} in any value is replaced by the environment variable NAME
//     before the value is read; an unset variable is an error; $${ is a
//     literal "${". A "$" not followed by "{" is kept as written.
//   - Every secret (each Secret field such as erp.dsn, state.dsn and
//     http.admin_tokens[].token, and every field of a store adapter's
//     credentials) may instead be given as <key>_file: the file's content
//     with trailing newlines and spaces removed. A relative path is read from
//     the config file's directory. Giving both is an error.
//   - Keys left out take the value of their `default:"..."` tag; sections
//     left out are decoded as empty, so their defaults and required keys
//     apply too.
//   - YAML anchors, aliases and merge keys (<<: *common) may be used to share
//     settings between stores; explicit keys win over merged ones.
//   - The adapters' own options are decoded into the structs their
//     factories return: stores[].connection into store.Factory.Connection(),
//     stores[].credentials into store.Factory.Credentials(), erp.options into
//     erp.Factory.Options(), with the same strictness and defaults. After
//     Load, Store.Connection, Store.Credentials and ERP.Options hold those
//     pointers.
//   - Validation then checks allowed values, ranges and cross-field rules
//     (unique store ids, sale dates in order, a minimum for floor: minimum,
//     ...); every message says what to write instead.
//
// Secrets never print: Secret hides its value from fmt, slog, JSON and
// YAML; Config and Store marshal to JSON and YAML in their redacted form;
// Redacted gives the effective config for `config show`; Secrets lists the
// values for log scrubbing.
//
// The keys, their defaults and allowed values are documented on the types
// below (Config, ERP, State, HTTP, Log, Schedules, Store, Rules, Prices,
// Stock, Scope, Orders, Customers); config/example.yaml in the repository
// shows every key with comments.
package config

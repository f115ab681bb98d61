// Package version carries the build's version, set at link time:
//
//	go build -ldflags "-X github.com/erpbridge/erpbridge/internal/version.Version=v1.2.3"
package version

import "runtime/debug"

// Version is the release name; "dev" for a plain build.
var Version = "dev"

// Commit returns the VCS revision the binary was built from, when known.
func Commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return ""
}

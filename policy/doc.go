// Package policy reads and writes the policy file: YAML over the built-in
// defaults of domain.DefaultPolicy, every duration a Go duration string. It keeps
// the YAML dependency out of domain, which stays standard library only.
package policy

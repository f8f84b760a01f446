//go:build minidynpatch

package bench

import "github.com/truora/minidyn/core"

// minidynPatch: make bench builds against the patched minidyn with this
// tag; the reference fails to compile against the stock module.
const minidynPatch = core.ZapisPatch

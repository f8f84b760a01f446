//go:build !minidynpatch

package bench

// minidynPatch is empty: built against stock minidyn (plain go test).
const minidynPatch = ""

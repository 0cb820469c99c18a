//go:build unix

package script

// unixSpecs are the unix commands' part of the table (see specs).
var unixSpecs []Spec

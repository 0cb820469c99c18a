//go:build unix

package script

// groupSpecs are the group commands' part of the table (see specs).
var groupSpecs []Spec

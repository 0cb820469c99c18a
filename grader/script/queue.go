//go:build unix

package script

// queueSpecs are the queue commands' part of the table (see specs).
var queueSpecs []Spec

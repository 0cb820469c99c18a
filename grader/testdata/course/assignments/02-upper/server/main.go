// Command server is the skeleton of the fixture course's 02-upper server.
package main

import (
	"fmt"
	"os"
)

func main() {
	// TODO: the server.
	fmt.Fprintln(os.Stderr, "server: not implemented yet")
	os.Exit(2)
}

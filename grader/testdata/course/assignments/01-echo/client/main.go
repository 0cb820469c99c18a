// Command client is the skeleton of the fixture course's 01-echo client.
package main

import (
	"fmt"
	"os"
)

func main() {
	// TODO: the client.
	fmt.Fprintln(os.Stderr, "client: not implemented yet")
	os.Exit(2)
}

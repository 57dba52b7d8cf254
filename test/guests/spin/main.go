// Command spin never ends on its own: a busy loop, for tests that a runaway
// guest can be terminated. With the argument "sleep" it sleeps forever instead.
//
//dialtone:native
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	fmt.Println("spinning")
	if len(os.Args) > 1 && os.Args[1] == "sleep" {
		for {
			time.Sleep(time.Hour)
		}
	}
	n := 0
	for {
		n++
	}
}

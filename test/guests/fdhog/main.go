// Command fdhog opens descriptors until the host refuses one, to test a cap
// on open descriptors (--max-open-files, maxOpenFiles). Usage:
//
//	fdhog files DIR   opens DIR/fdhog.txt (created first) again and again
//	fdhog dial ADDR   dials ADDR over TCP (dispatchrun/net) again and again
//
// It stops at the first failure (or after 100000 opens) and prints
// "opened N: ERR", then closes one descriptor, opens once more and prints
// "after close: ok" (or the error). Exit status 0 unless usage is wrong.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/stealthrocket/net/wasip1"
)

const maxOpens = 100000

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: fdhog files DIR | fdhog dial ADDR")
		os.Exit(2)
	}
	var open func() (io.Closer, error)
	switch os.Args[1] {
	case "files":
		name := filepath.Join(os.Args[2], "fdhog.txt")
		if err := os.WriteFile(name, []byte("fdhog\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "create:", err)
			os.Exit(1)
		}
		open = func() (io.Closer, error) { return os.Open(name) }
	case "dial":
		open = func() (io.Closer, error) { return wasip1.Dial("tcp", os.Args[2]) }
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
	var held []io.Closer
	var err error
	for len(held) < maxOpens {
		var c io.Closer
		if c, err = open(); err != nil {
			break
		}
		held = append(held, c)
	}
	fmt.Printf("opened %d: %v\n", len(held), err)
	if len(held) == 0 {
		return
	}
	held[0].Close()
	if c, err := open(); err != nil {
		fmt.Printf("after close: %v\n", err)
	} else {
		fmt.Println("after close: ok")
		c.Close()
	}
	for _, c := range held[1:] {
		c.Close()
	}
}

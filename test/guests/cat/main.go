// Command cat copies stdin to stdout, then reports the byte count on stderr.
// Go puts stdin in non-blocking mode, so this exercises fd_read → EAGAIN →
// poll_oneoff on a pipe.
//
//dialtone:native
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	n, err := io.Copy(os.Stdout, os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "copy:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "copied %d bytes\n", n)
}

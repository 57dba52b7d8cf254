// Command hello is dialtone's bundled example: a Go program built for
// GOOS=wasip1 that greets, reads a file from a preopened directory and
// reports how long a short sleep took.
//
// Rebuild hello.wasm with:
//
//	GOOS=wasip1 GOARCH=wasm go build -ldflags="-s -w" -o hello.wasm .
package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	name := "world"
	if len(os.Args) > 1 {
		name = strings.Join(os.Args[1:], " ")
	}
	fmt.Printf("hello, %s, from a Go program running in WebAssembly\n", name)

	msg, err := os.ReadFile("/data/message.txt")
	if err != nil {
		fmt.Fprintln(os.Stderr, "no /data/message.txt (run with --dir examples/hello/data:/data):", err)
		os.Exit(1)
	}
	fmt.Printf("/data/message.txt says: %s", msg)

	start := time.Now()
	time.Sleep(100 * time.Millisecond)
	fmt.Printf("slept %v\n", time.Since(start).Round(10*time.Millisecond))
}

// Command fileio is the acceptance guest for the preview 1 host: it prints
// its arguments and an environment variable, reads a file from a directory,
// writes a file back, sleeps, and exits with a chosen code.
//
// Usage: fileio DIR EXITCODE [words...]
// It reads DIR/input.txt and writes DIR/output.txt (input upper-cased).
//
//dialtone:native
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: fileio DIR EXITCODE [words...]")
		os.Exit(2)
	}
	dir := os.Args[1]
	code, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad exit code:", err)
		os.Exit(2)
	}
	for i, a := range os.Args[3:] {
		fmt.Printf("arg[%d]=%q\n", i, a)
	}
	fmt.Printf("GREETING=%q\n", os.Getenv("GREETING"))

	in, err := os.ReadFile(filepath.Join(dir, "input.txt"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(3)
	}
	fmt.Printf("read %d bytes: %q\n", len(in), in)
	out := strings.ToUpper(string(in))
	if err := os.WriteFile(filepath.Join(dir, "output.txt"), []byte(out), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "write:", err)
		os.Exit(4)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "readdir:", err)
		os.Exit(5)
	}
	for _, e := range entries {
		fmt.Printf("entry %s dir=%v\n", e.Name(), e.IsDir())
	}

	start := time.Now()
	time.Sleep(50 * time.Millisecond)
	slept := time.Since(start)
	fmt.Printf("slept>=50ms: %v\n", slept >= 50*time.Millisecond)
	fmt.Fprintln(os.Stderr, "exiting with", code)
	os.Exit(code)
}

// Command fetch is the browser example's default guest: a Go net/http
// client built for GOOS=wasip1 that fetches each URL given on the command
// line through dispatchrun/net (the WasmEdge socket extensions dialtone
// provides). In a page its sockets go through the Wisp relay; names are
// resolved by the relay.
//
// The page (index.html) runs it with its own origin's /hello.txt when the
// URL has no query. Rebuild fetch.wasm after changing this file:
//
//	GOOS=wasip1 GOARCH=wasm go build -ldflags=-s -trimpath -o fetch.wasm .
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"

	_ "github.com/stealthrocket/net/http"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: fetch URL...")
		os.Exit(2)
	}
	code := 0
	for _, url := range os.Args[1:] {
		resp, err := http.Get(url)
		if err != nil {
			fmt.Fprintf(os.Stderr, "GET %s: %v\n", url, err)
			code = 1
			continue
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "GET %s: reading body: %v\n", url, err)
			code = 1
			continue
		}
		fmt.Printf("GET %s: %s\n%s", url, resp.Status, body)
	}
	os.Exit(code)
}

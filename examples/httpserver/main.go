// Command httpserver is the README's network example: a Go net/http server
// built for GOOS=wasip1 that listens through dispatchrun/net (the WasmEdge
// socket extensions dialtone provides), so the host can reach it.
//
// Build it (server.wasm is not kept in git) and run it under dialtone:
//
//	GOOS=wasip1 GOARCH=wasm go build -o server.wasm .
//	npx dialtone run --allow-listen=127.0.0.1 server.wasm 127.0.0.1:8080
//
// then, from another shell: curl http://127.0.0.1:8080/hello
//
// It prints "listening on ADDR" once ready (with port 0, the port chosen).
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/stealthrocket/net/wasip1"
)

func main() {
	addr := "127.0.0.1:8080"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	l, err := wasip1.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from wasm: %s %s\n", r.Method, r.URL.Path)
	})
	if err := http.Serve(l, nil); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

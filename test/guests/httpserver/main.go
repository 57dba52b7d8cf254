// Command httpserver is a net/http server listening through dispatchrun/net
// (WasmEdge socket extensions). It prints "listening on ADDR" once ready and
// serves until a request to /quit.
//
// Routes: /echo sends the request body back; /quit answers "bye" and
// stops the server; anything else answers "hello from wasm: METHOD PATH
// (N bytes)" after reading the whole body.
//
// Usage: httpserver ADDR    (e.g. 127.0.0.1:0)
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/stealthrocket/net/wasip1"
)

func main() {
	addr := "127.0.0.1:0"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	l, err := wasip1.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	done := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "hello from wasm: %s %s (%d bytes)\n", r.Method, r.URL.Path, len(body))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		// The whole body first: an HTTP/1 handler may not read after writing.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo:", err)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	mux.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "bye")
		close(done)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	<-done
	srv.Close()
}

// Command benchhttp is the net/http server of the network benchmarks
// (bench/net.ts). It listens on ADDR, prints "listening on ADDR" once ready
// and serves until a request to /quit.
//
// Routes: /quit answers "bye" and stops the server; anything else answers
// "hello from benchhttp: METHOD PATH (N bytes)" after reading the whole
// body, the same work test/guests/wasinetapp's server does per request.
//
// Built for wasip1 it listens through dispatchrun/net (the WasmEdge socket
// extensions, listen_wasip1.go); built natively, with net.Listen
// (listen_other.go). The handlers are the same code either way.
//
// Usage: benchhttp ADDR    (e.g. 127.0.0.1:0)
//
//dialtone:native
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchhttp ADDR")
		os.Exit(2)
	}
	l, err := listen(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	done := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "hello from benchhttp: %s %s (%d bytes)\n", r.Method, r.URL.Path, len(body))
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

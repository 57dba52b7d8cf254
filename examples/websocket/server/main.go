// Command server is a WebSocket echo server built for GOOS=wasip1 with
// github.com/coder/websocket and net/http, listening through
// dispatchrun/net (the WasmEdge socket extensions dialtone provides).
//
//	GOOS=wasip1 GOARCH=wasm go build -o ws-server.wasm ./server
//	npx dialtone run --allow-listen=127.0.0.1 ws-server.wasm 127.0.0.1:8080
//
// Clients connect to ws://127.0.0.1:8080/echo; each message comes back as
// it was sent, text or binary. It prints "listening on ADDR:PORT" once
// ready (with port 0, the port chosen) and one line per message.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/coder/websocket"
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
	http.HandleFunc("/echo", echo)
	if err := http.Serve(l, nil); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

// echo upgrades the request to a WebSocket and sends every message back
// until the client closes.
func echo(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		fmt.Println("accept:", err)
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(4 << 20)
	ctx := context.Background()
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				fmt.Printf("closed by client: %s %q\n", ce.Code, ce.Reason)
			} else {
				fmt.Println("read:", err)
			}
			return
		}
		if err := conn.Write(ctx, typ, data); err != nil {
			fmt.Println("write:", err)
			return
		}
		fmt.Printf("echoed %s, %d bytes\n", typ, len(data))
	}
}

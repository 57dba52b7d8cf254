// Command client is a WebSocket client built for GOOS=wasip1 with
// github.com/coder/websocket: it connects to an echo server, sends a few
// text and binary messages, checks that each comes back unchanged, and
// closes the connection normally. net/http dials through dispatchrun/net
// (the WasmEdge socket extensions dialtone provides).
//
//	GOOS=wasip1 GOARCH=wasm go build -o ws-client.wasm ./client
//	npx dialtone run --allow-net=127.0.0.1:8080 ws-client.wasm ws://127.0.0.1:8080/echo
//
// It prints one line per message and exits 1 on the first failure.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/coder/websocket"
	"github.com/stealthrocket/net/wasip1"
)

// message is one message to send and expect back.
type message struct {
	typ  websocket.MessageType
	data []byte
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ws-client.wasm ws://HOST:PORT/PATH")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	client := &http.Client{Transport: &http.Transport{DialContext: wasip1.DialContext}}
	conn, resp, err := websocket.Dial(ctx, os.Args[1], &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		fail("dial", err)
	}
	fmt.Printf("connected: %s\n", resp.Status)
	// Echoing a 1 MiB message needs more than the default 32 KiB read limit.
	conn.SetReadLimit(2 << 20)

	for _, m := range messages() {
		if err := conn.Write(ctx, m.typ, m.data); err != nil {
			fail("write", err)
		}
		typ, data, err := conn.Read(ctx)
		if err != nil {
			fail("read", err)
		}
		if typ != m.typ || !bytes.Equal(data, m.data) {
			fail("echo", fmt.Errorf("sent %s of %d bytes, got %s of %d bytes back", m.typ, len(m.data), typ, len(data)))
		}
		fmt.Printf("echoed %s\n", describe(m))
	}
	if err := conn.Close(websocket.StatusNormalClosure, "done"); err != nil {
		fail("close", err)
	}
	fmt.Println("closed")
}

// messages is what the client sends: text (ASCII and other UTF-8), and
// binary messages small, with every byte value, and large (1 MiB, which
// crosses many frames and socket reads).
func messages() []message {
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	large := make([]byte, 1<<20)
	for i := range large {
		large[i] = byte(i * 7 % 251)
	}
	return []message{
		{websocket.MessageText, []byte("hello")},
		{websocket.MessageText, []byte("héllo wörld ✓")},
		{websocket.MessageBinary, every},
		{websocket.MessageBinary, large},
	}
}

// describe names a message in the output: text as quoted, binary by size and SHA-256 prefix.
func describe(m message) string {
	if m.typ == websocket.MessageText {
		return fmt.Sprintf("text %q", m.data)
	}
	return fmt.Sprintf("binary %d bytes sha256:%x", len(m.data), sha256.Sum256(m.data))
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

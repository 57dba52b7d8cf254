//go:build wasip1

// Package sockets is where the example's programs get their sockets: on
// GOOS=wasip1 from dispatchrun/net (the WasmEdge socket calls dialtone
// provides), elsewhere from the standard library. It lets the same client
// and server build both for dialtone and as native programs.
package sockets

import (
	"context"
	"net"

	"github.com/stealthrocket/net/wasip1"
)

// Listen opens a TCP listener on addr (host:port; port 0 picks one).
func Listen(addr string) (net.Listener, error) {
	return wasip1.Listen("tcp", addr)
}

// Dial opens a TCP connection to addr, in the shape
// grpc.WithContextDialer takes.
func Dial(ctx context.Context, addr string) (net.Conn, error) {
	return wasip1.DialContext(ctx, "tcp", addr)
}

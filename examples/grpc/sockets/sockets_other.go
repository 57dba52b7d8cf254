//go:build !wasip1

package sockets

import (
	"context"
	"net"
)

// Listen opens a TCP listener on addr (host:port; port 0 picks one).
func Listen(addr string) (net.Listener, error) {
	return net.Listen("tcp", addr)
}

// Dial opens a TCP connection to addr, in the shape
// grpc.WithContextDialer takes.
func Dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

//go:build wasip1

package main

import (
	"net"

	"github.com/stealthrocket/net/wasip1"
)

// listen listens on TCP through the WasmEdge socket extensions.
func listen(addr string) (net.Listener, error) { return wasip1.Listen("tcp", addr) }

// dial connects over TCP through the WasmEdge socket extensions.
func dial(addr string) (net.Conn, error) { return wasip1.Dial("tcp", addr) }

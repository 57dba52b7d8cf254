//go:build !wasip1

package main

import "net"

// listen listens on TCP with the standard library.
func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// dial connects over TCP with the standard library.
func dial(addr string) (net.Conn, error) { return net.Dial("tcp", addr) }

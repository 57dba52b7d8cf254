//go:build !wasip1

package main

import "net"

// dial connects with the standard library.
func dial(addr string) (net.Conn, error) { return net.Dial("tcp", addr) }

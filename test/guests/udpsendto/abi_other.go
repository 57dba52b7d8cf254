//go:build !wasip1

package main

import (
	"errors"
	"net/netip"
)

// The program drives the WasmEdge socket functions: it only runs as wasm.
var errWasmOnly = errors.New("udpsendto runs only as a wasip1 guest")

func openUDP4() (int32, error)                            { return 0, errWasmOnly }
func sendTo(int32, []byte, netip.AddrPort) error          { return errWasmOnly }
func recvFrom(int32, []byte) (int, netip.AddrPort, error) { return 0, netip.AddrPort{}, errWasmOnly }

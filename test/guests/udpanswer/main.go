// Command udpanswer is a UDP server, through dispatchrun/net (WasmEdge
// socket extensions), that answers whoever sends to it and also tries to
// send to an address that never did.
//
//	udpanswer ADDR OTHER   wasip1.ListenPacket("udp", ADDR); prints
//	                       "listening on ADDR"; reads one datagram; sends
//	                       "unasked" to OTHER, printing "to OTHER: ok" or
//	                       "to OTHER: ERROR"; sends the datagram back to
//	                       its sender, printing "answered MSG"; exits
package main

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/stealthrocket/net/wasip1"
)

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: udpanswer ADDR OTHER")
		os.Exit(2)
	}
	other, err := net.ResolveUDPAddr("udp", os.Args[2])
	if err != nil {
		fail("other", err)
	}
	pc, err := wasip1.ListenPacket("udp", os.Args[1])
	if err != nil {
		fail("listen", err)
	}
	defer pc.Close()
	fmt.Printf("listening on %s\n", pc.LocalAddr())
	buf := make([]byte, 65536)
	pc.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, from, err := pc.ReadFrom(buf)
	if err != nil {
		fail("read", err)
	}
	if _, err := pc.WriteTo([]byte("unasked"), other); err != nil {
		fmt.Printf("to %s: %v\n", os.Args[2], err)
	} else {
		fmt.Printf("to %s: ok\n", os.Args[2])
	}
	if _, err := pc.WriteTo(buf[:n], from); err != nil {
		fail("answer", err)
	}
	fmt.Printf("answered %s\n", buf[:n])
}

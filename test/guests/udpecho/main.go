// Command udpecho exchanges UDP datagrams through dispatchrun/net (WasmEdge
// socket extensions).
//
//	udpecho server ADDR N     wasip1.ListenPacket("udp", ADDR); prints
//	                          "listening on ADDR", then sends each of N
//	                          datagrams back to its sender, printing
//	                          "echoed MSG", and exits
//	udpecho client ADDR MSG...  wasip1.Dial("udp", ADDR); for each MSG sends
//	                          it, reads one reply (5 s deadline) and prints
//	                          "reply: REPLY"
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/stealthrocket/net/wasip1"
)

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: udpecho server ADDR N | udpecho client ADDR MSG...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "server":
		n, err := strconv.Atoi(os.Args[3])
		if err != nil {
			fail("count", err)
		}
		pc, err := wasip1.ListenPacket("udp", os.Args[2])
		if err != nil {
			fail("listen", err)
		}
		defer pc.Close()
		fmt.Printf("listening on %s\n", pc.LocalAddr())
		buf := make([]byte, 65536)
		for i := 0; i < n; i++ {
			pc.SetReadDeadline(time.Now().Add(30 * time.Second))
			k, from, err := pc.ReadFrom(buf)
			if err != nil {
				fail("read", err)
			}
			if _, err := pc.WriteTo(buf[:k], from); err != nil {
				fail("write", err)
			}
			fmt.Printf("echoed %s\n", buf[:k])
		}
	case "client":
		c, err := wasip1.Dial("udp", os.Args[2])
		if err != nil {
			fail("dial", err)
		}
		defer c.Close()
		buf := make([]byte, 65536)
		for _, msg := range os.Args[3:] {
			if _, err := c.Write([]byte(msg)); err != nil {
				fail("write", err)
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			k, err := c.Read(buf)
			if err != nil {
				fail("read", err)
			}
			fmt.Printf("reply: %s\n", buf[:k])
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}

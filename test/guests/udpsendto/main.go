// Command udpsendto sends one datagram from a UDP socket it never binds, so
// that the first sendto binds it implicitly (as a C program's would), then
// prints the datagrams that socket receives. Go's net package always binds
// before sending, so this calls the WasmEdge socket functions directly.
//
//	udpsendto IPV4:PORT MSG LAST   sends MSG to IPV4:PORT, then prints
//	                               "from ADDR:PORT: DATA" for each datagram
//	                               received, until one whose data is LAST
//	                               (at most 10)
package main

import (
	"fmt"
	"net/netip"
	"os"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: udpsendto IPV4:PORT MSG LAST")
		os.Exit(2)
	}
	to, err := netip.ParseAddrPort(os.Args[1])
	if err != nil || !to.Addr().Is4() {
		fmt.Fprintln(os.Stderr, "udpsendto: not an IPv4 address and port:", os.Args[1])
		os.Exit(2)
	}
	fd, err := openUDP4()
	if err != nil {
		fail("sock_open", err)
	}
	if err := sendTo(fd, []byte(os.Args[2]), to); err != nil {
		fail("sock_send_to", err)
	}
	buf := make([]byte, 2048)
	for i := 0; i < 10; i++ {
		n, from, err := recvFrom(fd, buf)
		if err != nil {
			fail("sock_recv_from", err)
		}
		fmt.Printf("from %s: %s\n", from, buf[:n])
		if string(buf[:n]) == os.Args[3] {
			return
		}
	}
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

// Command client is an NTP client built for GOOS=wasip1: it asks one NTP
// server for the time with github.com/beevik/ntp, over a UDP socket dialed
// through dispatchrun/net (the WasmEdge socket extensions dialtone provides).
//
//	GOOS=wasip1 GOARCH=wasm go build -o ntp-client.wasm ./client
//	npx dialtone run --allow-net=127.0.0.1:123 ntp-client.wasm 127.0.0.1:123
//
// It prints the server's answer (stratum, reference, offset, round trip) and
// exits 1 if the query fails or the answer does not validate.
package main

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/beevik/ntp"
	"github.com/stealthrocket/net/wasip1"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ntp-client.wasm HOST:PORT")
		os.Exit(2)
	}
	resp, err := ntp.QueryWithOptions(os.Args[1], ntp.QueryOptions{
		Timeout: 5 * time.Second,
		// Go's own net.DialUDP has no sockets on wasip1: dial through dispatchrun/net.
		Dialer: func(_, remote string) (net.Conn, error) { return wasip1.Dial("udp", remote) },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "query:", err)
		os.Exit(1)
	}
	fmt.Printf("stratum %d\n", resp.Stratum)
	fmt.Printf("reference %s\n", resp.ReferenceString())
	fmt.Printf("server time %s\n", resp.Time.UTC().Format(time.RFC3339Nano))
	fmt.Printf("clock offset %s\n", resp.ClockOffset)
	fmt.Printf("round trip %s\n", resp.RTT)
	if err := resp.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "invalid answer:", err)
		os.Exit(1)
	}
	fmt.Println("answer valid")
}

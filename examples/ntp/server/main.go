// Command server is a small NTP (RFC 5905) server built for GOOS=wasip1: it
// answers client-mode queries on a UDP socket opened through
// dispatchrun/net, with the guest's own clock as a stratum-1 source.
//
//	GOOS=wasip1 GOARCH=wasm go build -o ntp-server.wasm ./server
//	npx dialtone run --allow-listen=127.0.0.1 ntp-server.wasm 127.0.0.1:1123
//
// It prints "listening on ADDR:PORT" once ready (with port 0, the port chosen)
// and one line per answered query.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"time"

	"github.com/stealthrocket/net/wasip1"
)

const (
	packetSize = 48
	modeClient = 3
	modeServer = 4
	// ntpEpochOffset is the number of seconds from 1900-01-01 (NTP's era 0) to 1970-01-01.
	ntpEpochOffset = 2208988800
)

func main() {
	addr := "127.0.0.1:1123"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	conn, err := wasip1.ListenPacket("udp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	defer conn.Close()
	fmt.Printf("listening on %s\n", conn.LocalAddr())
	buf := make([]byte, 512)
	for {
		n, peer, err := conn.ReadFrom(buf)
		received := time.Now()
		if err != nil {
			fmt.Fprintln(os.Stderr, "read:", err)
			os.Exit(1)
		}
		reply, ok := answer(buf[:n], received)
		if !ok {
			fmt.Printf("ignored %d bytes from %s\n", n, peer)
			continue
		}
		if _, err := conn.WriteTo(reply, peer); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			continue
		}
		fmt.Printf("answered %s\n", peer)
	}
}

// answer builds the server-mode reply to a client-mode request, or reports
// that the packet is not one (too short, or another mode).
func answer(req []byte, received time.Time) ([]byte, bool) {
	if len(req) < packetSize {
		return nil, false
	}
	version := req[0] >> 3 & 0x7
	if req[0]&0x7 != modeClient || version < 1 || version > 4 {
		return nil, false
	}
	reply := make([]byte, packetSize)
	reply[0] = version<<3 | modeServer // leap indicator 0: no warning
	reply[1] = 1                       // stratum 1: a primary reference
	reply[2] = req[2]                  // poll interval: echo the client's
	reply[3] = 0xec                    // precision: 2^-20 s (about a microsecond)
	// Root delay and dispersion (bytes 4-11) stay 0: this is the reference.
	copy(reply[12:16], "LOCL")                                 // reference ID: an uncalibrated local clock
	putTimestamp(reply[16:24], received.Truncate(time.Second)) // reference time
	copy(reply[24:32], req[40:48])                             // origin: the client's transmit time, as sent
	putTimestamp(reply[32:40], received)                       // receive time
	putTimestamp(reply[40:48], time.Now())                     // transmit time
	return reply, true
}

// putTimestamp writes t as a 64-bit NTP timestamp: seconds since 1900 and a binary fraction.
func putTimestamp(b []byte, t time.Time) {
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	binary.BigEndian.PutUint64(b, secs<<32|frac)
}

// Command benchecho is the TCP echo stream of the network benchmarks
// (bench/net.ts), server and client in one program:
//
//	benchecho serve ADDR [N]    listens on ADDR, prints "listening on ADDR",
//	                            then echoes every connection until the peer
//	                            half-closes, and closes it; runs until killed,
//	                            or with N, exits once N connections are done
//	benchecho stream ADDR MIB   connects to ADDR, sends MIB MiB while reading
//	                            the echo back, half-closes, reads to EOF and
//	                            prints "echoed N bytes in T ns, crc32 HEX"
//	                            (T from connected to EOF, HEX the CRC-32
//	                            (IEEE) of what came back); gives up after 60 s
//
// The data sent is test/guests/sha256sum's: one 1 MiB xorshift32 block sent
// MIB times with its first 8 bytes replaced by the block index; bench/
// computes the stream's CRC-32 independently to check the echo (CRC-32, not
// SHA-256, so that checking does not limit the native runs). The server
// reads and writes through one 64 KiB buffer, the same loop under every
// host.
//
// Built for wasip1 it listens and dials through dispatchrun/net (the
// WasmEdge socket extensions, net_wasip1.go); built natively, with the
// standard library (net_other.go).
//
//dialtone:native
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

const (
	blockSize = 1 << 20
	bufSize   = 64 << 10
	deadline  = 60 * time.Second
)

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "serve":
		serve(os.Args[2], -1)
	case len(os.Args) == 4 && os.Args[1] == "serve":
		n, err := strconv.Atoi(os.Args[3])
		if err != nil || n < 1 {
			fail("serve", fmt.Errorf("N must be a positive integer, not %q", os.Args[3]))
		}
		serve(os.Args[2], n)
	case len(os.Args) == 4 && os.Args[1] == "stream":
		mib, err := strconv.Atoi(os.Args[3])
		if err != nil || mib < 1 {
			fail("stream", fmt.Errorf("MIB must be a positive integer, not %q", os.Args[3]))
		}
		stream(os.Args[2], mib)
	default:
		fmt.Fprintln(os.Stderr, "usage: benchecho serve ADDR [N] | benchecho stream ADDR MIB")
		os.Exit(2)
	}
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

// serve echoes connections to addr: all of them (n < 0) or n, then returns.
func serve(addr string, n int) {
	l, err := listen(addr)
	if err != nil {
		fail("listen", err)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	var wg sync.WaitGroup
	for i := 0; n < 0 || i < n; i++ {
		c, err := l.Accept()
		if err != nil {
			fail("accept", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			echo(c)
		}()
	}
	wg.Wait()
	l.Close()
}

// echo writes back everything c sends until EOF, then closes c.
func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, bufSize)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				fmt.Fprintln(os.Stderr, "echo write:", werr)
				return
			}
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo read:", err)
			return
		}
	}
}

// block returns sha256sum's 1 MiB xorshift32 block (index 0).
func block() []byte {
	b := make([]byte, blockSize)
	x := uint32(1)
	for i := 0; i < blockSize; i += 4 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		binary.LittleEndian.PutUint32(b[i:], x)
	}
	return b
}

func stream(addr string, mib int) {
	c, err := dial(addr)
	if err != nil {
		fail("dial", err)
	}
	defer c.Close()
	start := time.Now()
	if err := c.SetDeadline(start.Add(deadline)); err != nil {
		fail("deadline", err)
	}
	sent := make(chan error, 1)
	go func() {
		b := block()
		for i := 0; i < mib; i++ {
			binary.LittleEndian.PutUint64(b, uint64(i))
			if _, err := c.Write(b); err != nil {
				sent <- err
				return
			}
		}
		cw, ok := c.(interface{ CloseWrite() error })
		if !ok {
			sent <- fmt.Errorf("%T cannot half-close", c)
			return
		}
		sent <- cw.CloseWrite()
	}()
	h := crc32.NewIEEE()
	n, err := io.CopyBuffer(h, onlyReader{c}, make([]byte, bufSize))
	elapsed := time.Since(start)
	if err != nil {
		fail("read", err)
	}
	if err := <-sent; err != nil {
		fail("write", err)
	}
	if want := int64(mib) * blockSize; n != want {
		fail("stream", fmt.Errorf("echoed %d bytes, sent %d", n, want))
	}
	fmt.Printf("echoed %d bytes in %d ns, crc32 %08x\n", n, elapsed.Nanoseconds(), h.Sum32())
}

// onlyReader hides everything but Read, so io.CopyBuffer uses its buffer.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

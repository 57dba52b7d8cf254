// Command connerrors prints the errors Go reports for failing TCP
// connections, so that a GOOS=wasip1 build (dialing through dispatchrun/net)
// can be compared with a native build (dialing with net.Dial) against the
// same peers. Arguments are CASE ADDR pairs, run in order:
//
//	refused ADDR    dial a closed port; prints the dial error
//	reset ADDR      dial a peer that sends "hello", waits for "got it\n" and
//	                then resets the connection: reads until the error, then
//	                writes once and reads once more, printing each result
//	writereset ADDR dial a peer like reset's, but after it resets do not
//	                read: wait a moment, write twice, then read, printing
//	                each result (the first write reports the reset)
//	halfclose ADDR  dial a peer that sends some bytes and half-closes: reads
//	                to EOF, then writes "reply after EOF\n" (which the peer
//	                receives) and closes
//	denied ADDR     a dial the host's policy refuses (wasm only)
//
// Each case prints lines starting with "CASE: ".
//
//dialtone:native
package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 || len(args)%2 != 0 {
		fmt.Fprintln(os.Stderr, "usage: connerrors CASE ADDR [CASE ADDR...]")
		os.Exit(2)
	}
	for i := 0; i < len(args); i += 2 {
		name, addr := args[i], args[i+1]
		switch name {
		case "refused", "denied":
			c, err := dial(addr)
			if err != nil {
				fmt.Printf("%s: %v\n", name, err)
			} else {
				fmt.Printf("%s: connected to %s\n", name, c.RemoteAddr())
				c.Close()
			}
		case "reset":
			reset(addr)
		case "writereset":
			writeReset(addr)
		case "halfclose":
			halfClose(addr)
		default:
			fmt.Fprintln(os.Stderr, "unknown case", name)
			os.Exit(2)
		}
	}
}

func reset(addr string) {
	c, err := dial(addr)
	if err != nil {
		fmt.Printf("reset: dial: %v\n", err)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	hello := make([]byte, 5)
	if _, err := io.ReadFull(c, hello); err != nil {
		fmt.Printf("reset: read hello: %v\n", err)
		return
	}
	fmt.Printf("reset: got %q\n", hello)
	if _, err := c.Write([]byte("got it\n")); err != nil {
		fmt.Printf("reset: write: %v\n", err)
		return
	}
	buf := make([]byte, 100)
	n, err := c.Read(buf)
	fmt.Printf("reset: read after reset: %d bytes, %v\n", n, err)
	_, err = c.Write([]byte("too late\n"))
	fmt.Printf("reset: write after reset: %v\n", err)
	n, err = c.Read(buf)
	fmt.Printf("reset: read again: %d bytes, %v\n", n, err)
}

func writeReset(addr string) {
	c, err := dial(addr)
	if err != nil {
		fmt.Printf("writereset: dial: %v\n", err)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	hello := make([]byte, 5)
	if _, err := io.ReadFull(c, hello); err != nil {
		fmt.Printf("writereset: read hello: %v\n", err)
		return
	}
	fmt.Printf("writereset: got %q\n", hello)
	if _, err := c.Write([]byte("got it\n")); err != nil {
		fmt.Printf("writereset: write: %v\n", err)
		return
	}
	// The peer resets as soon as it reads "got it"; on loopback the reset
	// arrives well within this pause.
	time.Sleep(300 * time.Millisecond)
	_, err = c.Write([]byte("too late\n"))
	fmt.Printf("writereset: write after reset: %v\n", err)
	_, err = c.Write([]byte("later still\n"))
	fmt.Printf("writereset: write again: %v\n", err)
	n, err := c.Read(make([]byte, 100))
	fmt.Printf("writereset: read after that: %d bytes, %v\n", n, err)
}

func halfClose(addr string) {
	c, err := dial(addr)
	if err != nil {
		fmt.Printf("halfclose: dial: %v\n", err)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	data, err := io.ReadAll(c)
	fmt.Printf("halfclose: read %q, then %v\n", data, err)
	n, err := c.Read(make([]byte, 10))
	fmt.Printf("halfclose: read at EOF: %d bytes, %v\n", n, err)
	_, err = c.Write([]byte("reply after EOF\n"))
	fmt.Printf("halfclose: write after EOF: %v\n", err)
}

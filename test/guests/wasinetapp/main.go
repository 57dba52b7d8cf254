// Command wasinetapp exercises github.com/egdaemon/wasinet (the wasinet_v0
// host module) in one of several modes:
//
//	get URL                 http.Get through autohijack; prints status and body
//	serve ADDR              wasinet.Listen + net/http; prints "listening on ADDR"; /quit stops it
//	both                    a server and a client in one process
//	udpecho ADDR N          wasinet.ListenPacket; echoes N datagrams; prints "listening on ADDR"
//	dial NETWORK ADDR MSG   dials, writes MSG, prints the reply line (or the dial error)
//	readtimeout ADDR MS     dials, sets a read deadline MS from now, reads from a
//	                        peer that sends nothing; prints the error and whether
//	                        it came after the deadline and within a second of it
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/egdaemon/wasinet/wasinet"
	_ "github.com/egdaemon/wasinet/wasinet/autohijack"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: wasinetapp MODE ARGS...")
	}
	switch os.Args[1] {
	case "get":
		get(os.Args[2])
	case "serve":
		l, err := wasinet.Listen(context.Background(), "tcp", os.Args[2])
		check("listen", err)
		fmt.Printf("listening on %s\n", l.Addr())
		serve(l)
	case "both":
		l, err := wasinet.Listen(context.Background(), "tcp", "127.0.0.1:0")
		check("listen", err)
		go http.Serve(l, handler(nil))
		get("http://" + l.Addr().String() + "/from-myself")
	case "udpecho":
		pc, err := wasinet.ListenPacket(context.Background(), "udp", os.Args[2])
		check("listen", err)
		fmt.Printf("listening on %s\n", pc.LocalAddr())
		n, _ := strconv.Atoi(os.Args[3])
		buf := make([]byte, 2048)
		for i := 0; i < n; i++ {
			k, from, err := pc.ReadFrom(buf)
			check("read", err)
			_, err = pc.WriteTo(buf[:k], from)
			check("write", err)
		}
		pc.Close()
	case "dial":
		start := time.Now()
		c, err := wasinet.Dial(os.Args[2], os.Args[3])
		if err != nil {
			fmt.Printf("dial error after <1s=%v: %v\n", time.Since(start) < time.Second, err)
			os.Exit(3)
		}
		_, err = fmt.Fprintf(c, "%s\n", os.Args[4])
		check("write", err)
		line, err := bufio.NewReader(c).ReadString('\n')
		check("read", err)
		fmt.Printf("reply: %s", line)
		c.Close()
	case "readtimeout":
		c, err := wasinet.Dial("tcp", os.Args[2])
		check("dial", err)
		ms, _ := strconv.Atoi(os.Args[3])
		limit := time.Duration(ms) * time.Millisecond
		start := time.Now()
		check("deadline", c.SetReadDeadline(start.Add(limit)))
		_, err = c.Read(make([]byte, 16))
		took := time.Since(start)
		fmt.Printf("read error: %v; after deadline: %v; within 1s of it: %v\n", err, took >= limit, took < limit+time.Second)
		c.Close()
	default:
		fail("unknown mode " + os.Args[1])
	}
}

func get(url string) {
	resp, err := http.Get(url)
	check("get", err)
	body, err := io.ReadAll(resp.Body)
	check("body", err)
	resp.Body.Close()
	fmt.Printf("status %d: %s", resp.StatusCode, body)
}

func handler(done chan struct{}) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "hello from wasinet: %s %s (%d bytes)\n", r.Method, r.URL.Path, len(body))
	})
	mux.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "bye")
		if done != nil {
			close(done)
		}
	})
	return mux
}

func serve(l net.Listener) {
	done := make(chan struct{})
	srv := &http.Server{Handler: handler(done)}
	go srv.Serve(l)
	<-done
	srv.Close()
}

func check(what string, err error) {
	if err != nil {
		fail(what + ": " + err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}

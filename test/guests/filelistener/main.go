// Command filelistener uses only the standard library: on GOOS=wasip1 Go's
// own net.Dial and net.Listen reach an in-process fake network, so the way
// out is a socket the host preopened (dialtone --listen / --dial), turned
// into a listener or connection with net.FileListener / net.FileConn.
//
//	filelistener serve FD       net.FileListener on FD; serves HTTP ("hello
//	                            from a preopened listener: METHOD PATH"),
//	                            until a request to /quit
//	filelistener fileconn FD MSG  net.FileConn on FD; writes MSG and a
//	                            newline, reads one line back, prints
//	                            "reply: LINE"
//
// Preopened sockets follow stdio and the --dir preopens, so with no --dir
// the first one is fd 3.
package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: filelistener serve FD | filelistener fileconn FD MSG")
		os.Exit(2)
	}
	fd, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fail("fd", err)
	}
	switch os.Args[1] {
	case "serve":
		l, err := net.FileListener(os.NewFile(uintptr(fd), "listener"))
		if err != nil {
			fail("FileListener", err)
		}
		fmt.Println("serving")
		done := make(chan struct{})
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello from a preopened listener: %s %s\n", r.Method, r.URL.Path)
		})
		mux.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "bye")
			close(done)
		})
		srv := &http.Server{Handler: mux}
		go srv.Serve(l)
		<-done
		srv.Close()
		fmt.Println("stopped")
	case "fileconn":
		if len(os.Args) < 4 {
			fail("fileconn", fmt.Errorf("no message"))
		}
		c, err := net.FileConn(os.NewFile(uintptr(fd), "conn"))
		if err != nil {
			fail("FileConn", err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprintf(c, "%s\n", os.Args[3]); err != nil {
			fail("write", err)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			fail("read", err)
		}
		fmt.Printf("reply: %s\n", strings.TrimSuffix(line, "\n"))
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[1])
		os.Exit(2)
	}
}

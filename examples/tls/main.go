// Command tls is a TLS client built for GOOS=wasip1: it connects to one
// server twice, first with crypto/tls over a raw TCP connection (sending an
// HTTP/1.1 request by hand), then with net/http (an HTTPS GET), both
// dialing through dispatchrun/net, the WasmEdge socket extensions dialtone
// provides.
//
// It verifies the server as any Go program does, against the system's trust
// roots, which a wasip1 program finds only through SSL_CERT_FILE or
// SSL_CERT_DIR (Go has no default certificate paths on wasm), in a
// preopened directory:
//
//	GOOS=wasip1 GOARCH=wasm go build -o tls.wasm .
//	npx dialtone run --allow-net=127.0.0.1:8443 --dir ./certs:/certs:ro \
//	  --env SSL_CERT_FILE=/certs/ca.pem tls.wasm 127.0.0.1:8443
//
// Usage: tls [-name SERVERNAME] HOST:PORT
//
// -name is the name to verify the certificate for (default: HOST). It
// prints what it did and exits 1 on the first failure, with Go's error.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/stealthrocket/net/wasip1"
)

func main() {
	name := flag.String("name", "", "server name to verify (default: the address's host)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: tls [-name SERVERNAME] HOST:PORT")
		os.Exit(2)
	}
	addr := flag.Arg(0)
	if *name == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			fail("address", err)
		}
		*name = host
	}

	// What crypto/tls will verify against when RootCAs is nil.
	roots, err := x509.SystemCertPool()
	if err != nil {
		fail("trust roots", err)
	}
	//lint:ignore SA1019 only counted, to show what was loaded
	fmt.Printf("trust roots: %d\n", len(roots.Subjects()))

	rawTLS(addr, *name)
	httpsGet(addr, *name)
}

// rawTLS does a TLS handshake over a TCP connection of its own and sends
// an HTTP/1.1 request by hand.
func rawTLS(addr, name string) {
	tcp, err := wasip1.Dial("tcp", addr)
	if err != nil {
		fail("dial", err)
	}
	conn := tls.Client(tcp, &tls.Config{ServerName: name})
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := conn.Handshake(); err != nil {
		fail("handshake", err)
	}
	state := conn.ConnectionState()
	leaf := state.PeerCertificates[0]
	fmt.Printf("tls: %s, %s, server %q issued by %q\n",
		tls.VersionName(state.Version), tls.CipherSuiteName(state.CipherSuite),
		leaf.Subject.CommonName, leaf.Issuer.CommonName)
	fmt.Fprintf(conn, "GET /raw HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", name)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		fail("tls read", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("tls read", err)
	}
	fmt.Printf("tls: %s: %s\n", resp.Status, firstLine(body))
}

// httpsGet fetches https://addr/hello with net/http, whose transport dials
// through dispatchrun/net and verifies the server for name.
func httpsGet(addr, name string) {
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:     wasip1.DialContext,
			TLSClientConfig: &tls.Config{ServerName: name},
		},
	}
	resp, err := client.Get("https://" + addr + "/hello")
	if err != nil {
		fail("https", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("https read", err)
	}
	fmt.Printf("https: %s %s: %s\n", resp.Proto, resp.Status, firstLine(body))
}

// firstLine is the first non-empty line of an answer's body.
func firstLine(body []byte) string {
	for _, line := range strings.Split(string(body), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

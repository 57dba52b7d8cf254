// Command httpclient fetches each URL given on the command line with
// net/http's default client. Importing github.com/stealthrocket/net/http
// makes http.DefaultTransport dial through dispatchrun/net (WasmEdge socket
// extensions); host names resolve with Go's resolver through the same
// dialer. Requests to one server share a keep-alive connection.
//
// For each URL it prints:
//
//	GET URL
//	status: 200 OK
//	x-server: VALUE          (the response's X-Server header)
//	length: N
//	sha256: HEX
//	body: BODY               (only for bodies under 256 bytes)
//
// or "GET URL error: ..." and exits 1 at the end.
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	_ "github.com/stealthrocket/net/http"
)

func main() {
	code := 0
	for _, url := range os.Args[1:] {
		fmt.Printf("GET %s\n", url)
		resp, err := http.Get(url)
		if err != nil {
			fmt.Printf("GET %s error: %v\n", url, err)
			code = 1
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			fmt.Printf("GET %s error: reading body: %v\n", url, err)
			code = 1
			continue
		}
		fmt.Printf("status: %s\n", resp.Status)
		fmt.Printf("x-server: %s\n", resp.Header.Get("X-Server"))
		fmt.Printf("length: %d\n", len(body))
		fmt.Printf("sha256: %x\n", sha256.Sum256(body))
		if len(body) < 256 {
			fmt.Printf("body: %s\n", strings.TrimRight(string(body), "\n"))
		}
	}
	os.Exit(code)
}

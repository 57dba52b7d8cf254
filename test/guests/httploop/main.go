// Command httploop measures an HTTP client: it GETs URL N times in a row
// over one keep-alive connection (net/http through dispatchrun/net) and
// prints "N requests in D ns". Used by bench/browser.ts to compare the same
// guest in a page and in Node, both through a relay.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	_ "github.com/stealthrocket/net/http"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: httploop URL N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "N must be a positive integer")
		os.Exit(2)
	}
	url := os.Args[1]
	start := time.Now()
	for i := 0; i < n; i++ {
		resp, err := http.Get(url)
		if err != nil {
			fmt.Fprintf(os.Stderr, "request %d: %v\n", i, err)
			os.Exit(1)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fmt.Fprintf(os.Stderr, "request %d: %s\n", i, resp.Status)
			os.Exit(1)
		}
	}
	fmt.Printf("%d requests in %d ns\n", n, time.Since(start).Nanoseconds())
}

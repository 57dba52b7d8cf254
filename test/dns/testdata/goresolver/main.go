// Command goresolver looks names up with Go's own pure-Go DNS client (the
// code a GOOS=wasip1 guest runs: net/dnsclient_unix.go with dnsmessage),
// sending every query to one server, and prints one JSON line per lookup.
//
// Usage: goresolver SERVER NETWORK NAME...
//
// SERVER is host:port; it is dialled for both UDP and TCP, whatever
// resolv.conf says. NETWORK is ip, ip4 or ip6. Names should end in a dot so
// that the machine's search list does not apply.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

type result struct {
	Name      string   `json:"name"`
	Addrs     []string `json:"addrs"`
	Err       string   `json:"err,omitempty"`
	NotFound  bool     `json:"notFound,omitempty"`
	Temporary bool     `json:"temporary,omitempty"`
	Networks  []string `json:"networks"`
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: goresolver SERVER NETWORK NAME...")
		os.Exit(2)
	}
	server, network := os.Args[1], os.Args[2]
	out := json.NewEncoder(os.Stdout)
	for _, name := range os.Args[3:] {
		var mu sync.Mutex
		res := result{Name: name, Addrs: []string{}, Networks: []string{}}
		r := &net.Resolver{
			PreferGo: true,
			Dial: func(ctx context.Context, nw, _ string) (net.Conn, error) {
				mu.Lock()
				res.Networks = append(res.Networks, nw)
				mu.Unlock()
				var d net.Dialer
				return d.DialContext(ctx, nw, server)
			},
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		ips, err := r.LookupIP(ctx, network, name)
		cancel()
		for _, ip := range ips {
			res.Addrs = append(res.Addrs, ip.String())
		}
		if err != nil {
			res.Err = err.Error()
			var dnsErr *net.DNSError
			if errors.As(err, &dnsErr) {
				res.NotFound = dnsErr.IsNotFound
				res.Temporary = dnsErr.IsTemporary
			}
		}
		if err := out.Encode(res); err != nil {
			os.Exit(1)
		}
	}
}

// Command lookup resolves each name given on the command line with Go's own
// pure-Go resolver (which reads /etc/hosts and /etc/resolv.conf, then sends
// DNS queries through dispatchrun/net's dialer) and prints one line per
// name: "NAME ADDR ADDR ..." sorted, or "NAME error: ..." .
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"

	_ "github.com/stealthrocket/net/wasip1" // sets net.DefaultResolver.Dial
)

func main() {
	r := &net.Resolver{PreferGo: true, Dial: net.DefaultResolver.Dial}
	for _, name := range os.Args[1:] {
		addrs, err := r.LookupHost(context.Background(), name)
		if err != nil {
			fmt.Printf("%s error: %v\n", name, err)
			continue
		}
		sort.Strings(addrs)
		fmt.Printf("%s %s\n", name, strings.Join(addrs, " "))
	}
}

// Command memhog holds memory: `memhog MIB` allocates MIB mebibytes in
// 1 MiB blocks, keeping every one, then prints how much it holds and exits
// 0. Under a memory cap smaller than that, Go's allocator fails first
// ("fatal error: out of memory", exit 2).
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	mib, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: memhog MIB")
		os.Exit(64)
	}
	var held [][]byte
	for i := 0; i < mib; i++ {
		block := make([]byte, 1<<20)
		block[len(block)-1] = byte(i)
		held = append(held, block)
	}
	fmt.Printf("holding %d MiB\n", len(held))
}

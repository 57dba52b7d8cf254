// Command sha256sum is a CPU-bound guest for benchmarks: it hashes N MiB of
// deterministic generated data in memory with SHA-256 and prints the hex
// digest. It does no I/O besides that one line, so its run time is the
// guest's own computation.
//
// Usage: sha256sum [MIB]   (default 64)
//
// The data is one 1 MiB block filled from xorshift32 (seed 1, each state
// appended as 4 little-endian bytes), hashed N times with the block's first
// 8 bytes replaced by the block index (little-endian uint64) each time.
// bench/ recomputes the digest with node:crypto to check every runner.
//
//dialtone:native
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
)

const blockSize = 1 << 20

func main() {
	mib := 64
	if len(os.Args) > 1 {
		n, err := strconv.Atoi(os.Args[1])
		if err != nil || n < 0 {
			fmt.Fprintln(os.Stderr, "usage: sha256sum [MIB]")
			os.Exit(2)
		}
		mib = n
	}

	block := make([]byte, blockSize)
	x := uint32(1)
	for i := 0; i < blockSize; i += 4 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		binary.LittleEndian.PutUint32(block[i:], x)
	}

	h := sha256.New()
	for i := 0; i < mib; i++ {
		binary.LittleEndian.PutUint64(block[:8], uint64(i))
		h.Write(block)
	}
	fmt.Println(hex.EncodeToString(h.Sum(nil)))
}

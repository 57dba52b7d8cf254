// Command hello prints "hello, world" and exits: the smallest useful Go
// program, for measuring how long a host takes to start a guest.
//
//dialtone:native
package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}

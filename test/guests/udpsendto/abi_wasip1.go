//go:build wasip1

package main

import (
	"net/netip"
	"syscall"
	"unsafe"
)

// WasmEdge socket ABI (V2) constants: address_family INET4, sock_type DGRAM.
const (
	afInet4   = 1
	sockDgram = 1
)

//go:wasmimport wasi_snapshot_preview1 sock_open
//go:noescape
func sockOpen(af int32, socktype int32, fd unsafe.Pointer) syscall.Errno

//go:wasmimport wasi_snapshot_preview1 sock_send_to
//go:noescape
func sockSendTo(fd int32, iovs unsafe.Pointer, iovsLen int32, addr unsafe.Pointer, port int32, flags int32, nwritten unsafe.Pointer) syscall.Errno

//go:wasmimport wasi_snapshot_preview1 sock_recv_from
//go:noescape
func sockRecvFrom(fd int32, iovs unsafe.Pointer, iovsLen int32, addr unsafe.Pointer, flags int32, port unsafe.Pointer, nread unsafe.Pointer, roflags unsafe.Pointer) syscall.Errno

// iovec and addr are the ABI's {u32 pointer, u32 length} pairs.
type iovec struct{ buf, len uint32 }
type addr struct{ buf, len uint32 }

func ptr(p unsafe.Pointer) uint32 { return uint32(uintptr(p)) }

func errnoErr(e syscall.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}

func openUDP4() (int32, error) {
	var fd int32
	return fd, errnoErr(sockOpen(afInet4, sockDgram, unsafe.Pointer(&fd)))
}

func sendTo(fd int32, data []byte, to netip.AddrPort) error {
	ip := to.Addr().As4()
	iov := iovec{ptr(unsafe.Pointer(&data[0])), uint32(len(data))}
	a := addr{ptr(unsafe.Pointer(&ip[0])), 4}
	var n uint32
	return errnoErr(sockSendTo(fd, unsafe.Pointer(&iov), 1, unsafe.Pointer(&a), int32(to.Port()), 0, unsafe.Pointer(&n)))
}

func recvFrom(fd int32, buf []byte) (int, netip.AddrPort, error) {
	// Address storage: u16 family, then the address bytes.
	var storage [128]byte
	iov := iovec{ptr(unsafe.Pointer(&buf[0])), uint32(len(buf))}
	a := addr{ptr(unsafe.Pointer(&storage[0])), uint32(len(storage))}
	var port, n uint32
	var roflags uint16
	e := sockRecvFrom(fd, unsafe.Pointer(&iov), 1, unsafe.Pointer(&a), 0, unsafe.Pointer(&port), unsafe.Pointer(&n), unsafe.Pointer(&roflags))
	if e != 0 {
		return 0, netip.AddrPort{}, e
	}
	var from netip.Addr
	if storage[0] == afInet4 {
		from = netip.AddrFrom4([4]byte(storage[2:6]))
	} else {
		from = netip.AddrFrom16([16]byte(storage[2:18]))
	}
	return int(n), netip.AddrPortFrom(from, uint16(port)), nil
}

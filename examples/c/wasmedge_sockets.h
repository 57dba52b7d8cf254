/*
 * wasmedge_sockets.h: the WasmEdge socket extensions to WASI preview 1, for
 * C programs built with wasi-libc (clang --target=wasm32-wasi).
 *
 * wasi-libc gives a wasm32-wasi program accept(), recv(), send(), shutdown()
 * and read()/write() on sockets, but no way to make one: no socket(),
 * bind(), listen() or connect(). WasmEdge fills the gap with extra imports
 * in module "wasi_snapshot_preview1"; this header declares them, with the
 * signatures dialtone implements (the "V2" layout of WasmEdge 0.12 and later;
 * dialtone's docs/abi/wasmedge-sockets.md is the reference).
 *
 * Every function returns a WASI errno: 0 on success, otherwise a number that
 * is also wasi-libc's errno value for the same error, so
 * `errno = rc; perror("connect");` prints "connect: Connection refused".
 *
 * Blocking: a socket from wasmedge_sock_open() is blocking, as socket(2)
 * makes one. Under dialtone (and WasmEdge) connect, accept, recv, send,
 * recv_from, send_to, read and write then wait until done; connect answers
 * 0 once connected or the real error (ECONNREFUSED, ETIMEDOUT, ...). After
 * fcntl(fd, F_SETFL, O_NONBLOCK) they answer EAGAIN instead, and a stream
 * connect EINPROGRESS (its outcome is then read with SO_ERROR).
 */
#ifndef WASMEDGE_SOCKETS_H
#define WASMEDGE_SOCKETS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WASMEDGE_SOCKETS_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

/* Address families (sock_open's af, the storage's family, getaddrinfo). */
#define WASMEDGE_AF_UNSPEC 0
#define WASMEDGE_AF_INET4 1
#define WASMEDGE_AF_INET6 2
#define WASMEDGE_AF_UNIX 3

/* Socket types. */
#define WASMEDGE_SOCK_ANY 0
#define WASMEDGE_SOCK_DGRAM 1
#define WASMEDGE_SOCK_STREAM 2

/* Protocols in getaddrinfo hints: WASI's own numbers, not IPPROTO_TCP (6) / IPPROTO_UDP (17). */
#define WASMEDGE_PROTO_IP 0
#define WASMEDGE_PROTO_TCP 1
#define WASMEDGE_PROTO_UDP 2

/* getaddrinfo flags. */
#define WASMEDGE_AI_PASSIVE 1
#define WASMEDGE_AI_CANONNAME 2
#define WASMEDGE_AI_NUMERICHOST 4
#define WASMEDGE_AI_NUMERICSERV 8

/* Socket option levels and names (sock_getsockopt / sock_setsockopt). */
#define WASMEDGE_SOL_SOCKET 0
#define WASMEDGE_IPPROTO_TCP 6
#define WASMEDGE_TCP_NODELAY 15
#define WASMEDGE_SO_REUSEADDR 0
#define WASMEDGE_SO_TYPE 1
#define WASMEDGE_SO_ERROR 2
#define WASMEDGE_SO_DONTROUTE 3
#define WASMEDGE_SO_BROADCAST 4
#define WASMEDGE_SO_SNDBUF 5
#define WASMEDGE_SO_RCVBUF 6
#define WASMEDGE_SO_KEEPALIVE 7
#define WASMEDGE_SO_OOBINLINE 8
#define WASMEDGE_SO_LINGER 9
#define WASMEDGE_SO_RCVLOWAT 10
#define WASMEDGE_SO_RCVTIMEO 11
#define WASMEDGE_SO_SNDTIMEO 12
#define WASMEDGE_SO_ACCEPTCONN 13

/* sock_shutdown's how (also wasi-libc's SHUT_RD / SHUT_WR / SHUT_RDWR). */
#define WASMEDGE_SHUT_RD 1
#define WASMEDGE_SHUT_WR 2
#define WASMEDGE_SHUT_RDWR 3

/* sock_recv / sock_recv_from flags in and out. */
#define WASMEDGE_RECV_PEEK 1
#define WASMEDGE_RECV_WAITALL 2
#define WASMEDGE_RECV_DATA_TRUNCATED 1

/* Size of the address storage the host fills (family + 126 bytes). */
#define WASMEDGE_ADDRESS_STORAGE_SIZE 128

/*
 * An address: a buffer and its length. The port never travels in it.
 * - To bind / connect: buf holds 4 bytes (IPv4, network order, buf_len 4),
 *   16 bytes (IPv6, buf_len 16), or a storage (below) for a Unix path.
 * - For results (getlocaladdr, getpeeraddr, recv_from) and for send_to:
 *   buf is a storage of WASMEDGE_ADDRESS_STORAGE_SIZE bytes.
 */
typedef struct wasmedge_address {
  uint8_t *buf;
  uint32_t buf_len;
} wasmedge_address_t;

/*
 * The storage behind a result address: u16 family (little-endian) at 0,
 * then the address bytes (IPv4 at 2..5, IPv6 at 2..17) or a NUL-terminated
 * Unix path.
 */
typedef struct wasmedge_address_storage {
  uint16_t family;
  uint8_t data[WASMEDGE_ADDRESS_STORAGE_SIZE - 2];
} wasmedge_address_storage_t;

/* One scatter/gather buffer (the same layout as WASI's iovec). */
typedef struct wasmedge_iovec {
  void *buf;
  uint32_t buf_len;
} wasmedge_iovec_t;

/* getaddrinfo's socket address: sa_data holds the port (big-endian u16) then the address bytes. */
#define WASMEDGE_SOCKADDR_DATA_SIZE 26
typedef struct wasmedge_sockaddr {
  uint32_t sa_family; /* the host writes the low byte only */
  uint32_t sa_data_len;
  uint8_t *sa_data;
} wasmedge_sockaddr_t;

/*
 * getaddrinfo's records, hints and results alike. For results the guest
 * builds the chain (ai_next) and the buffers it points to; the host fills
 * up to max_res_len of them and says how many.
 */
typedef struct wasmedge_addrinfo {
  uint16_t ai_flags;
  uint8_t ai_family;
  uint8_t ai_socktype;
  uint32_t ai_protocol;
  uint32_t ai_addrlen;
  wasmedge_sockaddr_t *ai_addr;
  char *ai_canonname;
  uint32_t ai_canonnamelen;
  struct wasmedge_addrinfo *ai_next;
} wasmedge_addrinfo_t;

_Static_assert(sizeof(wasmedge_address_t) == 8, "address descriptor is 8 bytes");
_Static_assert(sizeof(wasmedge_address_storage_t) == WASMEDGE_ADDRESS_STORAGE_SIZE, "storage is 128 bytes");
_Static_assert(sizeof(wasmedge_iovec_t) == 8, "iovec is 8 bytes");
_Static_assert(sizeof(wasmedge_sockaddr_t) == 12, "sockaddr record is 12 bytes");
_Static_assert(sizeof(wasmedge_addrinfo_t) == 28, "addrinfo record is 28 bytes");

/* Opens a socket of family af and type socktype; writes its fd. */
int32_t wasmedge_sock_open(int32_t af, int32_t socktype, int32_t *fd_out) WASMEDGE_SOCKETS_IMPORT(sock_open);

/* Binds fd to addr and port (port 0: any; read the real one back with wasmedge_sock_getlocaladdr). */
int32_t wasmedge_sock_bind(int32_t fd, const wasmedge_address_t *addr, uint32_t port) WASMEDGE_SOCKETS_IMPORT(sock_bind);

/* Listens on a bound stream socket. */
int32_t wasmedge_sock_listen(int32_t fd, int32_t backlog) WASMEDGE_SOCKETS_IMPORT(sock_listen);

/*
 * Takes the next connection (WasmEdge V2 uses preview 1's sock_accept, the
 * import behind wasi-libc's accept()); flags 0 or WASI's FDFLAGS_NONBLOCK (4)
 * for the new socket. Waits on a blocking listener.
 */
int32_t wasmedge_sock_accept(int32_t fd, uint16_t flags, int32_t *fd_out) WASMEDGE_SOCKETS_IMPORT(sock_accept);

/* Connects fd to addr and port: 0 once connected on a blocking socket, EINPROGRESS on a non-blocking one. */
int32_t wasmedge_sock_connect(int32_t fd, const wasmedge_address_t *addr, uint32_t port) WASMEDGE_SOCKETS_IMPORT(sock_connect);

/* Receives into iovs (preview 1's sock_recv, behind wasi-libc's recv()); 0 bytes is end of stream. */
int32_t wasmedge_sock_recv(int32_t fd, const wasmedge_iovec_t *iovs, uint32_t iovs_len, uint16_t riflags, uint32_t *nread_out,
                           uint16_t *roflags_out) WASMEDGE_SOCKETS_IMPORT(sock_recv);

/* Sends from iovs (preview 1's sock_send, behind wasi-libc's send()); may send less than all. */
int32_t wasmedge_sock_send(int32_t fd, const wasmedge_iovec_t *iovs, uint32_t iovs_len, uint16_t siflags, uint32_t *nwritten_out)
    WASMEDGE_SOCKETS_IMPORT(sock_send);

/* Receives a datagram (or stream bytes) and its sender: addr must point at a 128-byte storage. */
int32_t wasmedge_sock_recv_from(int32_t fd, const wasmedge_iovec_t *iovs, uint32_t iovs_len, wasmedge_address_t *addr, uint16_t riflags,
                                uint32_t *port_out, uint32_t *nread_out, uint16_t *roflags_out) WASMEDGE_SOCKETS_IMPORT(sock_recv_from);

/* Sends a datagram to addr (a 128-byte storage) and port; an all-zero storage means the connected peer. */
int32_t wasmedge_sock_send_to(int32_t fd, const wasmedge_iovec_t *iovs, uint32_t iovs_len, const wasmedge_address_t *addr, uint32_t port,
                              uint16_t siflags, uint32_t *nwritten_out) WASMEDGE_SOCKETS_IMPORT(sock_send_to);

/* Shuts down reading (1), writing (2) or both (3). */
int32_t wasmedge_sock_shutdown(int32_t fd, int32_t how) WASMEDGE_SOCKETS_IMPORT(sock_shutdown);

/* The local address (into a 128-byte storage) and port: the real port after a bind to port 0. */
int32_t wasmedge_sock_getlocaladdr(int32_t fd, wasmedge_address_t *addr, uint32_t *port_out) WASMEDGE_SOCKETS_IMPORT(sock_getlocaladdr);

/* The peer's address (into a 128-byte storage) and port; ENOTCONN when not connected. */
int32_t wasmedge_sock_getpeeraddr(int32_t fd, wasmedge_address_t *addr, uint32_t *port_out) WASMEDGE_SOCKETS_IMPORT(sock_getpeeraddr);

/*
 * Reads an i32 option into *value. value_len is passed by value (4), as
 * dispatchrun/net's Go guest passes it and dialtone reads it; WasmEdge's
 * own runtime reads it as a pointer. SO_ERROR's value is a WASI errno.
 */
int32_t wasmedge_sock_getsockopt(int32_t fd, int32_t level, int32_t name, int32_t *value, uint32_t value_len)
    WASMEDGE_SOCKETS_IMPORT(sock_getsockopt);

/* Sets an i32 option from *value (value_len 4). */
int32_t wasmedge_sock_setsockopt(int32_t fd, int32_t level, int32_t name, const int32_t *value, uint32_t value_len)
    WASMEDGE_SOCKETS_IMPORT(sock_setsockopt);

/*
 * Resolves node and service (NUL-terminated; the lengths count the NUL, so
 * "" has length 1). *res points at the first record of a chain the caller
 * built (max_res_len records, each with its sockaddr and sa_data buffers);
 * the host fills them, IPv4 results first, and writes how many to *res_len.
 */
int32_t wasmedge_sock_getaddrinfo(const char *node, uint32_t node_len, const char *service, uint32_t service_len,
                                  const wasmedge_addrinfo_t *hints, wasmedge_addrinfo_t **res, uint32_t max_res_len, uint32_t *res_len)
    WASMEDGE_SOCKETS_IMPORT(sock_getaddrinfo);

#ifdef __cplusplus
}
#endif

#endif /* WASMEDGE_SOCKETS_H */

/*
 * tcp_server: listens on ADDR PORT and echoes what each client sends back
 * to it until the client closes, for COUNT connections (default 1, at most
 * 1000), one after another; then exits 0.
 *
 *   tcp_server ADDR PORT [COUNT]
 *
 * ADDR is an IPv4 or IPv6 address; PORT 0 picks a free port. Once
 * listening it prints "listening on ADDR:PORT" with the real port
 * ("[ADDR]:PORT" for IPv6). The sockets stay blocking: accept waits for a
 * client, read waits for its bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasmedge_sockets.h"

#define MAX_CONNECTIONS 1000

/* Prints what failed with the WASI errno's text and exits 1. */
static void fail(const char *what, int32_t rc) {
  errno = rc;
  perror(what);
  exit(1);
}

/* Echoes everything conn sends until it closes its side. */
static void echo(int conn) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(conn, buf, sizeof buf);
    if (n < 0) {
      perror("read");
      return;
    }
    if (n == 0) return;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(conn, buf + done, n - done);
      if (w < 0) {
        perror("write");
        return;
      }
      done += w;
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: tcp_server ADDR PORT [COUNT]\n");
    return 2;
  }
  char *end;
  long port = strtol(argv[2], &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    fprintf(stderr, "tcp_server: bad port %s\n", argv[2]);
    return 2;
  }
  long count = 1;
  if (argc == 4) {
    count = strtol(argv[3], &end, 10);
    if (*end != '\0' || count < 1 || count > MAX_CONNECTIONS) {
      fprintf(stderr, "tcp_server: COUNT must be 1 to %d\n", MAX_CONNECTIONS);
      return 2;
    }
  }

  uint8_t raw[16];
  wasmedge_address_t addr;
  int32_t af;
  if (inet_pton(AF_INET, argv[1], raw) == 1) {
    addr = (wasmedge_address_t){raw, 4};
    af = WASMEDGE_AF_INET4;
  } else if (inet_pton(AF_INET6, argv[1], raw) == 1) {
    addr = (wasmedge_address_t){raw, 16};
    af = WASMEDGE_AF_INET6;
  } else {
    fprintf(stderr, "tcp_server: %s is not an IP address\n", argv[1]);
    return 2;
  }

  int32_t fd;
  int32_t rc = wasmedge_sock_open(af, WASMEDGE_SOCK_STREAM, &fd);
  if (rc != 0) fail("socket", rc);
  rc = wasmedge_sock_bind(fd, &addr, (uint32_t)port);
  if (rc != 0) fail("bind", rc);
  rc = wasmedge_sock_listen(fd, 16);
  if (rc != 0) fail("listen", rc);

  /* The real port (PORT may have been 0) and address, as the host reports them. */
  wasmedge_address_storage_t storage;
  wasmedge_address_t local = {(uint8_t *)&storage, sizeof storage};
  uint32_t local_port;
  rc = wasmedge_sock_getlocaladdr(fd, &local, &local_port);
  if (rc != 0) fail("getlocaladdr", rc);
  char text[INET6_ADDRSTRLEN];
  int v6 = storage.family == WASMEDGE_AF_INET6;
  inet_ntop(v6 ? AF_INET6 : AF_INET, storage.data, text, sizeof text);
  printf(v6 ? "listening on [%s]:%u\n" : "listening on %s:%u\n", text, local_port);
  fflush(stdout);

  for (long i = 0; i < count; i++) {
    int conn = accept(fd, NULL, NULL); /* wasi-libc's accept: preview 1's sock_accept, blocking */
    if (conn < 0) {
      perror("accept");
      return 1;
    }
    echo(conn);
    close(conn);
  }
  close(fd);
  return 0;
}

/*
 * tcp_client: connects to HOST PORT, sends one line, prints the reply line.
 *
 *   tcp_client HOST PORT [LINE]
 *
 * HOST is an IPv4 or IPv6 address or a name (resolved by the host through
 * sock_getaddrinfo). The socket stays blocking: connect waits until it is
 * connected or fails, recv waits for the reply. Errors are printed with
 * perror ("connect: Connection refused") and exit 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasmedge_sockets.h"

#define MAX_REPLY 4096

/* Prints what failed with the WASI errno's text and exits 1. */
static void fail(const char *what, int32_t rc) {
  errno = rc;
  perror(what);
  exit(1);
}

/* Fills addr (4 or 16 bytes in raw) for host; returns the address family. */
static int32_t resolve(const char *host, uint8_t raw[16], wasmedge_address_t *addr) {
  if (inet_pton(AF_INET, host, raw) == 1) {
    *addr = (wasmedge_address_t){raw, 4};
    return WASMEDGE_AF_INET4;
  }
  if (inet_pton(AF_INET6, host, raw) == 1) {
    *addr = (wasmedge_address_t){raw, 16};
    return WASMEDGE_AF_INET6;
  }
  /* A name: one result record, built here as the ABI asks. */
  static uint8_t sa_data[WASMEDGE_SOCKADDR_DATA_SIZE];
  static char canon[30];
  wasmedge_sockaddr_t sa = {0, sizeof sa_data, sa_data};
  wasmedge_addrinfo_t hints = {0};
  hints.ai_socktype = WASMEDGE_SOCK_STREAM;
  hints.ai_protocol = WASMEDGE_PROTO_TCP;
  wasmedge_addrinfo_t result = {0};
  result.ai_addr = &sa;
  result.ai_addrlen = sizeof sa;
  result.ai_canonname = canon;
  result.ai_canonnamelen = sizeof canon;
  wasmedge_addrinfo_t *res = &result;
  uint32_t n = 0;
  int32_t rc = wasmedge_sock_getaddrinfo(host, strlen(host) + 1, "", 1, &hints, &res, 1, &n);
  if (rc != 0) fail("getaddrinfo", rc);
  if (n == 0) {
    fprintf(stderr, "getaddrinfo: %s: no address\n", host);
    exit(1);
  }
  int v6 = (sa.sa_family & 0xff) == WASMEDGE_AF_INET6;
  memcpy(raw, sa_data + 2, v6 ? 16 : 4);
  *addr = (wasmedge_address_t){raw, v6 ? 16 : 4};
  return v6 ? WASMEDGE_AF_INET6 : WASMEDGE_AF_INET4;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: tcp_client HOST PORT [LINE]\n");
    return 2;
  }
  char *end;
  long port = strtol(argv[2], &end, 10);
  if (*end != '\0' || port < 1 || port > 65535) {
    fprintf(stderr, "tcp_client: bad port %s\n", argv[2]);
    return 2;
  }
  const char *line = argc == 4 ? argv[3] : "hello from C";

  uint8_t raw[16];
  wasmedge_address_t addr;
  int32_t af = resolve(argv[1], raw, &addr);

  int32_t fd;
  int32_t rc = wasmedge_sock_open(af, WASMEDGE_SOCK_STREAM, &fd);
  if (rc != 0) fail("socket", rc);
  rc = wasmedge_sock_connect(fd, &addr, (uint32_t)port);
  if (rc != 0) fail("connect", rc);

  /* send() may take less than all: send the rest until done. */
  char out[MAX_REPLY];
  int len = snprintf(out, sizeof out, "%s\n", line);
  if (len < 0 || len >= (int)sizeof out) {
    fprintf(stderr, "tcp_client: line too long\n");
    return 2;
  }
  for (int sent = 0; sent < len;) {
    ssize_t n = send(fd, out + sent, len - sent, 0);
    if (n < 0) {
      perror("send");
      return 1;
    }
    sent += n;
  }

  /* The reply: up to its first newline, or what came before the peer closed. */
  char reply[MAX_REPLY];
  size_t got = 0;
  while (got < sizeof reply - 1) {
    ssize_t n = recv(fd, reply + got, sizeof reply - 1 - got, 0);
    if (n < 0) {
      perror("recv");
      return 1;
    }
    if (n == 0) break;
    got += n;
    if (memchr(reply, '\n', got) != NULL) break;
  }
  reply[got] = '\0';
  char *nl = strchr(reply, '\n');
  if (nl != NULL) *nl = '\0';
  printf("reply: %s\n", reply);
  close(fd);
  return 0;
}

// Every count and length a guest passes is bounded before the host
// allocates or loops in proportion to it (src/wasi/limits.ts).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MAX_IOVECS, MAX_PATH_BYTES, MAX_POLL_SUBSCRIPTIONS } from '../../src/wasi/limits.ts';
import { E, makeHost, type TestHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';

const NAMETOOLONG = 37;
const ALL_RIGHTS = (1n << 30n) - 1n;
const enc = new TextEncoder();

// Layout of the test's one-page guest memory.
const OUT = 64; // result slots (nwritten, fd_out, ...)
const OUT2 = 72;
const BYTE = 100; // one byte of data
const ADDR = 256; // a socket address descriptor or storage
const IOVS = 4096; // iovec arrays (up to 1025 × 16 bytes)
const PATH = 24576; // a path (up to 8 KiB)
const PATH2 = 40960; // a second path

let dir: ReturnType<typeof tempDir>;
let t: TestHost;
let written: Uint8Array[];

before(() => {
  dir = tempDir();
  mkdirSync(join(dir.path, 'd'));
  writeFileSync(join(dir.path, 'x'), 'contents');
  written = [];
  t = makeHost({ preopens: [{ host: dir.path, guest: '/sandbox' }], stdout: (b) => written.push(b) });
});

after(async () => {
  await t.host.close();
  dir.cleanup();
});

/** Writes `count` iovecs (8 bytes each, or wasinet's 16) all naming `[buf, buf+len)`. */
function iovecs(count: number, buf: number, len: number, size: 8 | 16 = 8): void {
  t.memory.bytes(IOVS, count * size).fill(0);
  for (let i = 0; i < count; i++) {
    t.memory.setU32(IOVS + i * size, buf);
    t.memory.setU32(IOVS + i * size + (size === 8 ? 4 : 8), len);
  }
}

function putPath(at: number, text: string): number {
  const bytes = enc.encode(text);
  t.memory.write(at, bytes);
  return bytes.length;
}

test('fd_write with more than 1024 iovecs is EINVAL and writes nothing; 1024 are written', () => {
  t.memory.setU8(BYTE, 0x78);
  iovecs(MAX_IOVECS + 1, BYTE, 1);
  written.length = 0;
  assert.equal(t.callSync('fd_write', 1, IOVS, MAX_IOVECS + 1, OUT), E.INVAL);
  assert.equal(Buffer.concat(written).length, 0);
  assert.equal(t.callSync('fd_write', 1, IOVS, MAX_IOVECS, OUT), E.SUCCESS);
  assert.equal(t.memory.getU32(OUT), MAX_IOVECS);
  assert.equal(Buffer.concat(written).toString(), 'x'.repeat(MAX_IOVECS));
});

test('a count of 48 million iovecs is EINVAL at once, whatever the pointer', () => {
  assert.equal(t.callSync('fd_write', 1, IOVS, 48_000_000, OUT), E.INVAL);
  assert.equal(t.callSync('fd_write', 1, 0xfffffff0, 48_000_000, OUT), E.INVAL);
  assert.equal(t.callSync('fd_write', 1, IOVS, -1, OUT), E.INVAL);
});

test('iovecs naming the same bytes many times transfer at most the size of guest memory', () => {
  const page = t.raw.buffer.byteLength;
  iovecs(MAX_IOVECS, 0, page);
  written.length = 0;
  assert.equal(t.callSync('fd_write', 1, IOVS, MAX_IOVECS, OUT), E.SUCCESS);
  assert.equal(t.memory.getU32(OUT), page);
  assert.equal(Buffer.concat(written).length, page);
});

test('every call that takes iovecs refuses more than 1024 with EINVAL', async () => {
  iovecs(MAX_IOVECS + 1, BYTE, 1);
  const n = MAX_IOVECS + 1;
  const name = putPath(PATH, 'x');
  assert.equal(t.callSync('path_open', 3, 0, PATH, name, 0, ALL_RIGHTS, ALL_RIGHTS, 0, OUT), E.SUCCESS);
  const file = t.memory.getU32(OUT);
  assert.equal(await t.call('fd_read', 0, IOVS, n, OUT), E.INVAL);
  assert.equal(t.callSync('fd_pread', file, IOVS, n, 0n, OUT), E.INVAL);
  assert.equal(t.callSync('fd_pwrite', file, IOVS, n, 0n, OUT), E.INVAL);
  // WasmEdge sockets (INET4 = 1; DGRAM = 1, STREAM = 2) and the preview 1 socket calls on them.
  assert.equal(t.callSync('sock_open', 1, 2, OUT), E.SUCCESS);
  const tcp = t.memory.getU32(OUT);
  assert.equal(t.callSync('sock_open', 1, 1, OUT), E.SUCCESS);
  const udp = t.memory.getU32(OUT);
  assert.equal(await t.call('sock_recv', tcp, IOVS, n, 0, OUT, OUT2), E.INVAL);
  assert.equal(await t.call('sock_send', tcp, IOVS, n, 0, OUT), E.INVAL);
  assert.equal(await t.call('sock_send_to', udp, IOVS, n, 0, 0, 0, OUT), E.INVAL);
  assert.equal(await t.call('sock_recv_from', udp, IOVS, n, ADDR, 0, OUT, OUT2, OUT2 + 4), E.INVAL);
  // wasinet_v0 (AF_INET = 2, SOCK_STREAM = 1), whose iovecs are 16 bytes.
  iovecs(n, BYTE, 1, 16);
  assert.equal(t.callSync('wasinet_v0.sock_open', 2, 1, 0, OUT), E.SUCCESS);
  const wtcp = t.memory.getU32(OUT);
  assert.equal(await t.call('wasinet_v0.sock_send_to', wtcp, IOVS, n, 0, 0, ADDR, 130, 0, OUT), E.INVAL);
  assert.equal(await t.call('wasinet_v0.sock_recv_from', wtcp, IOVS, n, 0, 0, ADDR, 130, 0, OUT, OUT2), E.INVAL);
  for (const fd of [file, tcp, udp, wtcp]) assert.equal(t.callSync('fd_close', fd), E.SUCCESS);
});

test('a path of 4096 bytes or more is ENAMETOOLONG in every path call; 4095 bytes resolve as usual', () => {
  // "././.../x" is 4095 bytes and names the file x; "././.../d/" is 4096 and names the directory d.
  const fits = putPath(PATH, `${'./'.repeat(2047)}x`);
  assert.equal(fits, MAX_PATH_BYTES - 1);
  assert.equal(t.callSync('path_filestat_get', 3, 0, PATH, fits, OUT), E.SUCCESS);
  const long = putPath(PATH2, `${'./'.repeat(2047)}d/`);
  assert.equal(long, MAX_PATH_BYTES);
  const ok = putPath(PATH, 'x');
  const calls: [string, ...(number | bigint)[]][] = [
    ['path_create_directory', 3, PATH2, long],
    ['path_filestat_get', 3, 0, PATH2, long, OUT],
    ['path_filestat_set_times', 3, 0, PATH2, long, 0n, 0n, 0],
    ['path_link', 3, 0, PATH2, long, 3, PATH, ok],
    ['path_link', 3, 0, PATH, ok, 3, PATH2, long],
    ['path_open', 3, 0, PATH2, long, 0, ALL_RIGHTS, ALL_RIGHTS, 0, OUT],
    ['path_readlink', 3, PATH2, long, OUT, 8, OUT2],
    ['path_remove_directory', 3, PATH2, long],
    ['path_rename', 3, PATH2, long, 3, PATH, ok],
    ['path_rename', 3, PATH, ok, 3, PATH2, long],
    ['path_symlink', PATH2, long, 3, PATH, ok],
    ['path_symlink', PATH, ok, 3, PATH2, long],
    ['path_unlink_file', 3, PATH2, long],
  ];
  for (const [fn, ...args] of calls) assert.equal(t.callSync(fn, ...args), NAMETOOLONG, fn);
  // Even a length far past the end of memory is ENAMETOOLONG, not a decode.
  assert.equal(t.callSync('path_filestat_get', 3, 0, 0, 0xffffffff, OUT), NAMETOOLONG);
  assert.equal(t.callSync('path_filestat_get', 3, 0, PATH, ok, OUT), E.SUCCESS, 'x is still there');
});

test('poll_oneoff with more than 65536 subscriptions is EINVAL before reading any', () => {
  assert.equal(t.callSync('poll_oneoff', 0, 0, MAX_POLL_SUBSCRIPTIONS + 1, OUT), E.INVAL);
  assert.equal(t.callSync('poll_oneoff', 0, 0, 0xffffffff, OUT), E.INVAL);
  // Within the bound the subscriptions are read: these do not fit in one page.
  assert.equal(t.callSync('poll_oneoff', 0, 0, MAX_POLL_SUBSCRIPTIONS, OUT), E.FAULT);
});

test('a Unix socket path longer than the address holds is ENAMETOOLONG, not cut short', () => {
  // WasmEdge: descriptor {buf, len} at ADDR, storage at ADDR+16: u16 family UNIX (3), then the path.
  assert.equal(t.callSync('sock_open', 3, 2, OUT), E.SUCCESS);
  const wasmedge = t.memory.getU32(OUT);
  const storage = ADDR + 16;
  t.memory.bytes(storage, 1024).fill(0x61);
  t.memory.setU32(ADDR, storage);
  t.memory.setU32(ADDR + 4, 1000);
  t.memory.setU16(storage, 3);
  assert.equal(t.callSync('sock_connect', wasmedge, ADDR, 0), NAMETOOLONG);
  // wasinet: u16 family AF_UNIX (1) at 0, the path from byte 8.
  assert.equal(t.callSync('wasinet_v0.sock_open', 1, 1, 0, OUT), E.SUCCESS);
  const wasinet = t.memory.getU32(OUT);
  t.memory.setU16(storage, 1);
  t.memory.setU16(storage + 2, 1);
  t.memory.setU16(storage + 4, 1);
  t.memory.setU16(storage + 6, 1);
  assert.equal(t.callSync('wasinet_v0.sock_connect', wasinet, storage, 1000), NAMETOOLONG);
  for (const fd of [wasmedge, wasinet]) assert.equal(t.callSync('fd_close', fd), E.SUCCESS);
});

test('a host name longer than 1024 bytes is EINVAL before any lookup', async () => {
  const name = PATH;
  const nameLen = putPath(name, `${'a'.repeat(2000)}\0`);
  const service = putPath(PATH2, 'http\0');
  // WasmEdge sock_getaddrinfo: hints (28 bytes) at ADDR, zeroed; one result slot.
  t.memory.bytes(ADDR, 28).fill(0);
  t.memory.setU32(OUT, 0);
  assert.equal(await t.call('sock_getaddrinfo', name, nameLen, PATH2, service, ADDR, OUT, 1, OUT2), E.INVAL);
  // wasinet sock_getaddrip: network "ip", then the name.
  const net = putPath(PATH2, 'ip');
  assert.equal(await t.call('wasinet_v0.sock_getaddrip', PATH2, net, name, 2000, ADDR, 16, OUT), E.INVAL);
  // The network and service names are bounded too.
  assert.equal(await t.call('wasinet_v0.sock_getaddrip', name, 2000, PATH2, net, ADDR, 16, OUT), E.INVAL);
  assert.equal(t.callSync('wasinet_v0.sock_getaddrport', PATH2, net, name, 2000, OUT), E.INVAL);
});

test('--trace does not decode a path too long to be one', async () => {
  const lines: string[] = [];
  const traced = makeHost({ preopens: [{ host: dir.path, guest: '/sandbox' }], trace: (l) => lines.push(l) });
  traced.memory.bytes(0, 60000).fill(0x61);
  assert.equal(traced.callSync('path_filestat_get', 3, 0, 0, 60000, OUT), NAMETOOLONG);
  assert.match(lines[0] ?? '', /path=<60000 bytes>/);
  assert.ok((lines[0] ?? '').length < 200, lines[0]);
  await traced.host.close();
});

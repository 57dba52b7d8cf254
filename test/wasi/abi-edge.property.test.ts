import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { preview1 } from '../../src/wasi/preview1/index.ts';
import { Scheduler, type HostContext } from '../../src/wasi/host-function.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { DENY_ALL } from '../../src/policy/policy.ts';
import { GuestNetwork } from '../../src/sockets/guest-network.ts';
import { wasmEdgeSockets } from '../../src/wasi/sockets/wasmedge.ts';
import { wasinet } from '../../src/wasi/sockets/wasinet.ts';
import { importSignatures } from '../../src/wasi/import-signatures.ts';
import { MAX_HOST_NAME_BYTES, MAX_IOVECS, MAX_PATH_BYTES, MAX_POLL_SUBSCRIPTIONS } from '../../src/wasi/limits.ts';
import { E, makeHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';

// Functions left out of the random calls, and why:
// - proc_exit unwinds by design (tested in run.test.ts);
// - poll_oneoff and sched_yield may wait on timers; poll has its own tests.
const SKIP = new Set(['proc_exit', 'poll_oneoff', 'sched_yield']);

const fakeCtx = (): HostContext =>
  ({ fds: undefined, args: [], env: [], randomFill: () => {}, scheduler: new Scheduler(setImmediate) }) as unknown as HostContext;

/** The parameter kinds of every preview 1 function, read from its declaration. */
function signatures(): { name: string; kinds: string[] }[] {
  return preview1(fakeCtx()).map((f) => ({ name: f.name, kinds: f.params.map((p) => p.kind) }));
}

/** The same for the WasmEdge socket functions (V2 and V1 forms). */
function socketSignatures(version: 'v1' | 'v2'): { name: string; kinds: string[] }[] {
  const net = new GuestNetwork({ driver: new NodeDriver(), policy: DENY_ALL });
  return wasmEdgeSockets(fakeCtx(), net, version).map((f) => ({ name: f.name, kinds: f.params.map((p) => p.kind) }));
}

/** The same for wasinet_v0, named `wasinet_v0.NAME`. */
function wasinetSignatures(): { name: string; kinds: string[] }[] {
  const net = new GuestNetwork({ driver: new NodeDriver(), policy: DENY_ALL });
  return wasinet(fakeCtx(), net).map((f) => ({ name: `wasinet_v0.${f.name}`, kinds: f.params.map((p) => p.kind) }));
}

/** A call's errno, or 'waiting' when a blocking call is still waiting after a moment. */
async function settle(r: number | Promise<number>): Promise<number | 'waiting'> {
  if (typeof r === 'number') return r;
  let timer: NodeJS.Timeout | undefined;
  const waiting = new Promise<'waiting'>((resolve) => (timer = setTimeout(() => resolve('waiting'), 20)));
  try {
    return await Promise.race([r, waiting]);
  } finally {
    clearTimeout(timer);
  }
}

// Values a guest could pass: small fds, pointers inside and just outside one
// page, lengths, and arbitrary 32-bit patterns.
const i32 = fc.oneof(
  fc.integer({ min: 0, max: 8 }),
  fc.integer({ min: 0, max: 65536 + 64 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);
const i64 = fc.oneof(fc.bigInt({ min: 0n, max: 4096n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));

test('no import lets a guest make the host throw: every call answers a WASI errno', async () => {
  const dir = tempDir();
  mkdirSync(join(dir.path, 'sub'));
  writeFileSync(join(dir.path, 'file.txt'), 'contents');
  const t = makeHost({ preopens: [{ host: dir.path, guest: '/sandbox' }], stdin: 'input bytes' });
  // Every import the host provides: preview 1, the WasmEdge V2 socket
  // functions and wasinet_v0 (under the default deny-all policy, so nothing
  // reaches the network).
  const byName = new Map([...signatures(), ...socketSignatures('v2'), ...wasinetSignatures()].map((s) => [s.name, s]));
  const fns = [...byName.values()].filter((s) => !SKIP.has(s.name));
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fns),
        fc.array(fc.tuple(i32, i64), { minLength: 10, maxLength: 10 }),
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        async (fn, values, garbage) => {
          // Random bytes at a random-but-valid spot give decoders structure to chew on.
          t.memory.write(1024, garbage);
          const args = fn.kinds.map((k, i) => (k === 'u64' || k === 'i64' || k === 'flags64' ? values[i]![1] : values[i]![0]));
          const r = await settle(t.call(fn.name, ...args));
          // sock_determine_host_af_family answers a family number or -1, not an errno.
          const valid =
            fn.name === 'wasinet_v0.sock_determine_host_af_family'
              ? [-1, 0, 1, 2, 10].includes(r as number)
              : Number.isInteger(r) && (r as number) >= 0 && (r as number) <= 76;
          assert.ok(r === 'waiting' || valid, `${fn.name} returned ${String(r)}`);
        },
      ),
      { numRuns: 3000 },
    );
    assert.deepEqual(t.internalErrors, [], 'host functions reported internal errors');
  } finally {
    await t.host.close();
    dir.cleanup();
  }
});

// Counts and lengths past the limits of src/wasi/limits.ts, with any pointer:
// each call must refuse them before reading (or allocating for) what they
// describe; counts within the limits must still work.
test('guest counts past the limits are refused whatever they point at; counts within them work', async () => {
  const dir = tempDir();
  const t = makeHost({ preopens: [{ host: dir.path, guest: '/sandbox' }] });
  const OUT = 16;
  const ZEROS = 4096; // 1024 zeroed 8-byte iovecs: every one empty
  const u32 = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 70000 }));
  const above = (limit: number) =>
    fc.oneof(fc.integer({ min: limit + 1, max: limit + 64 }), fc.integer({ min: limit + 1, max: 2 ** 32 - 1 }));
  type Case = [string, number, (ptr: number, n: number) => (number | bigint)[]];
  const iovecCalls: Case[] = [
    ['fd_write', E.INVAL, (p, n) => [1, p, n, OUT]],
    ['fd_read', E.INVAL, (p, n) => [0, p, n, OUT]],
    ['fd_pwrite', E.INVAL, (p, n) => [1, p, n, 0n, OUT]],
    ['fd_pread', E.INVAL, (p, n) => [0, p, n, 0n, OUT]],
  ];
  const NAMETOOLONG = 37;
  const pathCalls: Case[] = [
    ['path_filestat_get', NAMETOOLONG, (p, n) => [3, 0, p, n, OUT]],
    ['path_open', NAMETOOLONG, (p, n) => [3, 0, p, n, 0, 0n, 0n, 0, OUT]],
    ['path_create_directory', NAMETOOLONG, (p, n) => [3, p, n]],
    ['path_unlink_file', NAMETOOLONG, (p, n) => [3, p, n]],
    ['path_symlink', NAMETOOLONG, (p, n) => [p, n, 3, 0, 1]],
  ];
  const pollCall: Case = ['poll_oneoff', E.INVAL, (p, n) => [p, p, n, OUT]];
  const NET = 32; // "ip"
  t.memory.write(NET, new TextEncoder().encode('ip'));
  const nameCall: Case = ['wasinet_v0.sock_getaddrip', E.INVAL, (p, n) => [NET, 2, p, n, 0, 0, OUT]];
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.constantFrom(...iovecCalls), above(MAX_IOVECS)),
          fc.tuple(fc.constantFrom(...pathCalls), fc.integer({ min: MAX_PATH_BYTES, max: 2 ** 32 - 1 })),
          fc.tuple(fc.constant(pollCall), above(MAX_POLL_SUBSCRIPTIONS)),
          fc.tuple(fc.constant(nameCall), above(MAX_HOST_NAME_BYTES)),
        ),
        u32,
        async ([[fn, errno, args], count], ptr) => {
          assert.equal(await t.call(fn, ...args(ptr, count)), errno, `${fn} count ${count} at ${ptr}`);
        },
      ),
      { numRuns: 2000 },
    );
    t.memory.bytes(ZEROS, MAX_IOVECS * 8).fill(0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_IOVECS }), (n) => {
        t.memory.setU32(OUT, 0xffff);
        assert.equal(t.callSync('fd_write', 1, ZEROS, n, OUT), E.SUCCESS);
        assert.equal(t.memory.getU32(OUT), 0);
      }),
      { numRuns: 300 },
    );
    assert.deepEqual(t.internalErrors, []);
  } finally {
    await t.host.close();
    dir.cleanup();
  }
});

// Parameter counts of every wasi_snapshot_preview1 function, from the spec
// (https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/witx/wasi_snapshot_preview1.witx),
// counting each lowered core-wasm parameter (a string is pointer + length).
const SPEC_ARITY: Record<string, number> = {
  args_get: 2,
  args_sizes_get: 2,
  environ_get: 2,
  environ_sizes_get: 2,
  clock_res_get: 2,
  clock_time_get: 3,
  fd_advise: 4,
  fd_allocate: 3,
  fd_close: 1,
  fd_datasync: 1,
  fd_fdstat_get: 2,
  fd_fdstat_set_flags: 2,
  fd_fdstat_set_rights: 3,
  fd_filestat_get: 2,
  fd_filestat_set_size: 2,
  fd_filestat_set_times: 4,
  fd_pread: 5,
  fd_prestat_get: 2,
  fd_prestat_dir_name: 3,
  fd_pwrite: 5,
  fd_read: 4,
  fd_readdir: 5,
  fd_renumber: 2,
  fd_seek: 4,
  fd_sync: 1,
  fd_tell: 2,
  fd_write: 4,
  path_create_directory: 3,
  path_filestat_get: 5,
  path_filestat_set_times: 7,
  path_link: 7,
  path_open: 9,
  path_readlink: 6,
  path_remove_directory: 3,
  path_rename: 6,
  path_symlink: 5,
  path_unlink_file: 3,
  poll_oneoff: 4,
  proc_exit: 1,
  proc_raise: 1,
  sched_yield: 0,
  random_get: 2,
  sock_accept: 3,
  sock_recv: 6,
  sock_send: 5,
  sock_shutdown: 2,
};

test("dialtone provides exactly the preview 1 functions, with the spec's parameter counts", () => {
  const ours = Object.fromEntries(signatures().map((s) => [s.name, s.kinds.length]));
  assert.deepEqual(ours, SPEC_ARITY);
});

test('the import-signature reader never throws on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (tail) => {
      const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...tail]);
      const r = importSignatures(bytes);
      assert.ok(r === undefined || r instanceof Map);
    }),
    { numRuns: 5000 },
  );
});

test('WasmEdge V1 is told from V2 by import signatures', async () => {
  const { wasmEdgeVersion } = await import('../../src/wasi/sockets/wasmedge.ts');
  const { buildModule } = await import('../helpers/wasm-builder.ts');
  const sigOf = (name: string, params: number) =>
    importSignatures(buildModule({ imports: [{ module: 'wasi_snapshot_preview1', name, sig: { params, result: true } }] }));
  assert.equal(wasmEdgeVersion(sigOf('sock_getlocaladdr', 3)), 'v2');
  assert.equal(wasmEdgeVersion(sigOf('sock_getlocaladdr', 4)), 'v1');
  assert.equal(wasmEdgeVersion(sigOf('sock_accept', 2)), 'v1');
  assert.equal(wasmEdgeVersion(sigOf('sock_accept', 3)), 'v2');
  assert.equal(wasmEdgeVersion(undefined), 'v2');
});

// maxOpenFiles: one cap on the guest's descriptors (files, sockets,
// accepted connections), EMFILE past it, with a trace line saying why.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { DialtoneError, run } from '../../src/index.ts';
import { SysError } from '../../src/internal/errno.ts';
import { Filetype, OFlags } from '../../src/wasi/constants.ts';
import { Descriptor } from '../../src/wasi/descriptor.ts';
import { FdTable } from '../../src/wasi/fd-table.ts';
import { guestOutput } from '../helpers/guest-output.ts';
import { E, makeHost } from '../helpers/host.ts';
import { guest, tempDir } from '../helpers/paths.ts';
import { open } from '../helpers/wasi-calls.ts';

class Dummy extends Descriptor {
  readonly filetype = Filetype.UNKNOWN;
}

test('the fd table counts every descriptor against its cap and reports the refusal once per EMFILE', () => {
  const lines: string[] = [];
  const t = new FdTable(3, (l) => lines.push(l));
  for (let i = 0; i < 3; i++) t.add(new Dummy());
  assert.throws(
    () => t.add(new Dummy()),
    (e: unknown) => e instanceof SysError && e.errno === 'EMFILE',
  );
  assert.throws(
    () => t.ensureRoom(),
    (e: unknown) => e instanceof SysError && e.errno === 'EMFILE',
  );
  assert.deepEqual(lines, [
    'limit: EMFILE: 3 descriptors open, the cap is 3 (maxOpenFiles / --max-open-files)',
    'limit: EMFILE: 3 descriptors open, the cap is 3 (maxOpenFiles / --max-open-files)',
  ]);
  t.close(1);
  t.ensureRoom();
  assert.equal(t.add(new Dummy()), 1);
});

test('a guest opening files past maxOpenFiles gets "too many open files", counting stdio and the preopen', async () => {
  const d = tempDir();
  try {
    const out = guestOutput();
    const traced: string[] = [];
    const { exitCode } = await run(guest('fdhog'), {
      args: ['files', '/data'],
      dirs: { '/data': d.path },
      maxOpenFiles: 10,
      stdio: { stdout: out.sink },
      trace: (l) => traced.push(l),
    });
    assert.equal(exitCode, 0);
    // 10 = stdin, stdout, stderr, /data and 6 files.
    assert.equal(out.text(), 'opened 6: open /data/fdhog.txt: Too many open files\nafter close: ok\n');
    assert.ok(traced.includes('limit: EMFILE: 10 descriptors open, the cap is 10 (maxOpenFiles / --max-open-files)'), traced.join('\n'));
  } finally {
    d.cleanup();
  }
});

test('sockets count against maxOpenFiles too, and it lifts the default socket cap of 1024', async () => {
  const server = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  try {
    const opened = async (maxOpenFiles: number | undefined): Promise<string> => {
      const out = guestOutput();
      await run(guest('fdhog'), {
        args: ['dial', addr],
        ...(maxOpenFiles === undefined ? {} : { maxOpenFiles }),
        net: { policy: { allowNet: [addr] }, dns: false },
        stdio: { stdout: out.sink },
      });
      return out.text();
    };
    assert.equal(await opened(12), `opened 9: dial tcp ${addr}: socket: Too many open files\nafter close: ok\n`);
    assert.equal(await opened(undefined), `opened 1024: dial tcp ${addr}: socket: Too many open files\nafter close: ok\n`);
    assert.equal(await opened(1100), `opened 1097: dial tcp ${addr}: socket: Too many open files\nafter close: ok\n`);
  } finally {
    server.close();
  }
});

/** Sends one keep-alive HTTP request on `sock` and resolves with the response head's first line. */
function get(sock: net.Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (b: Buffer): void => {
      got += b.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(got)?.[1] ?? 0);
      if (got.length < end + 4 + length) return;
      sock.off('data', onData);
      resolve(got.slice(end + 4, end + 4 + length));
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

test('a full table leaves an incoming connection queued, as accept(2) does; it is served once a descriptor frees up', async () => {
  const out = guestOutput();
  const ac = new AbortController();
  // stdio (3), the listener (1), /etc (1) and one connection.
  const exited = run(guest('httpserver'), {
    args: ['127.0.0.1:0'],
    maxOpenFiles: 6,
    net: { policy: { allowListen: ['127.0.0.1'] } },
    stdio: { stdout: out.sink, stderr: () => {} },
    signal: ac.signal,
  });
  exited.catch(() => {});
  const sockets: net.Socket[] = [];
  try {
    const [, host, port] = await out.line(/listening on (.+):(\d+)\n/);
    const connect = async (): Promise<net.Socket> => {
      const s = net.connect(Number(port), host);
      sockets.push(s);
      await new Promise((resolve, reject) => s.once('connect', resolve).once('error', reject));
      return s;
    };
    const first = await connect();
    assert.match(await get(first, '/a'), /^hello from wasm: GET \/a/);
    const second = await connect();
    const answered = get(second, '/b');
    let early = false;
    void answered.then(() => (early = true));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(early, false, 'the second connection was served while the table was full');
    first.destroy();
    assert.match(await answered, /^hello from wasm: GET \/b/);
  } finally {
    for (const s of sockets) s.destroy();
    ac.abort();
    await exited.catch(() => {});
  }
});

test('maxOpenFiles must be a whole number from 1 to 32767, and leave room for what the guest starts with', async () => {
  for (const bad of [0, -1, 1.5, 32768, Number.NaN]) {
    await assert.rejects(
      run(guest('hello'), { maxOpenFiles: bad }),
      (e: unknown) => e instanceof DialtoneError && e.code === 'ERR_USAGE' && /maxOpenFiles/.test(e.message),
      String(bad),
    );
  }
  await assert.rejects(
    run(guest('hello'), { maxOpenFiles: 3, dirs: { '/tmp': '/tmp' } }),
    (e: unknown) =>
      e instanceof DialtoneError && e.code === 'ERR_USAGE' && /fewer than the descriptors the guest starts with/.test(e.message),
  );
});

test('path_open on a full table is EMFILE before it opens: O_TRUNC leaves the file whole, O_CREAT creates nothing', () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir.path, 'keep.txt'), 'precious');
    // stdio 0-2 and the preopen (fd 3) fill a table of 4.
    const t = makeHost({ preopens: [{ host: dir.path, guest: '/d' }], maxOpenFiles: 4 });
    assert.equal(open(t, 3, 'keep.txt', { oflags: OFlags.TRUNC }).errno, E.MFILE);
    assert.equal(readFileSync(join(dir.path, 'keep.txt'), 'utf8'), 'precious');
    assert.equal(open(t, 3, 'new.txt', { oflags: OFlags.CREAT }).errno, E.MFILE);
    assert.equal(existsSync(join(dir.path, 'new.txt')), false);
  } finally {
    dir.cleanup();
  }
});

test('a cap the preopens do not fit in leaves none of the directories it opened open', async () => {
  const dir = tempDir();
  const openOnDir = (): number =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === dir.path;
      } catch {
        return false; // closed meanwhile
      }
    }).length;
  try {
    const before = openOnDir();
    for (let i = 0; i < 3; i++) {
      // stdio, then /a fits (fd 3), /b is one too many.
      await assert.rejects(
        run(guest('hello'), { maxOpenFiles: 4, dirs: { '/a': dir.path, '/b': dir.path } }),
        (e: unknown) => e instanceof DialtoneError && e.code === 'ERR_USAGE',
      );
    }
    assert.equal(openOnDir(), before);
  } finally {
    dir.cleanup();
  }
});

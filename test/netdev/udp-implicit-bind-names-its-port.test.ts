// A datagram socket's first send binds it to an ephemeral port, as
// sendto(2) does; its local address then names that port (the policy asks
// --allow-listen about it), on the Node driver and the in-memory network.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { test } from 'node:test';
import { SysError } from '../../src/internal/errno.ts';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import type { NetDriver } from '../../src/netdev/socket.ts';

for (const [name, driver] of [
  ['node', new NodeDriver()],
  ['memory', new MemoryNetwork()],
] as [string, NetDriver][]) {
  test(`${name}: after an implicit bind, localEndpoint has the real port`, async () => {
    const sink = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
    try {
      const sock = driver.socket('ipv4', 'dgram');
      const port = (): number => {
        const ep = sock.localEndpoint();
        return ep.kind === 'ip' ? ep.port : -1;
      };
      assert.equal(port(), 0);
      sock.send([new Uint8Array([1])], ipEndpoint('127.0.0.1', sink.address().port));
      const deadline = Date.now() + 2000;
      while (port() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.ok(port() > 0, `local port ${port()}`);
      sock.close();
    } finally {
      sink.close();
    }
  });

  test(`${name}: bind at once after a send's implicit bind (not yet settled) is EINVAL; connect still works`, async () => {
    const sink = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
    try {
      const to = ipEndpoint('127.0.0.1', sink.address().port);
      const sock = driver.socket('ipv4', 'dgram');
      sock.send([new Uint8Array([1])], to);
      await assert.rejects(
        async () => sock.bind(ipEndpoint('127.0.0.1', 0)),
        (err: unknown) => err instanceof SysError && err.errno === 'EINVAL',
      );
      await sock.connect(to);
      assert.deepEqual(sock.remoteEndpoint(), to);
      assert.equal(sock.send([new Uint8Array([2])]), 1);
      sock.close();
    } finally {
      sink.close();
    }
  });
}

test("node: a bind after a send's implicit bind, before Node's 'listening' fires, is EINVAL (not Node's ERR_SOCKET_ALREADY_BOUND)", async () => {
  const sink = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  // Node binds at once here (the driver answers lookups synchronously);
  // holding back 'listening' stands in for a bind that has not settled.
  const emit = dgram.Socket.prototype.emit;
  dgram.Socket.prototype.emit = function (this: dgram.Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'listening') return Reflect.apply(emit, this, [event, ...args]) as boolean;
    setImmediate(() => Reflect.apply(emit, this, [event, ...args]));
    return true;
  };
  const sock = new NodeDriver().socket('ipv4', 'dgram');
  try {
    const to = ipEndpoint('127.0.0.1', sink.address().port);
    sock.send([new Uint8Array([1])], to);
    await assert.rejects(
      async () => sock.bind(ipEndpoint('127.0.0.1', 0)),
      (err: unknown) => err instanceof SysError && err.errno === 'EINVAL',
    );
    await sock.connect(to);
    assert.equal(sock.send([new Uint8Array([2])]), 1);
  } finally {
    sock.close();
    dgram.Socket.prototype.emit = emit;
    sink.close();
  }
});

// Real Go guests on one MemoryNetwork, in this process, with no OS socket
// between them: the httpserver guest listens, the httpclient guest fetches
// from it, both run() at once on this thread (JSPI suspends each while it
// waits). The server stops on its /quit route. The policy still decides
// every connect and listen: a refusal reads as "permission denied".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';
import type { RulePolicyOptions } from '../../src/policy/rules.ts';
import { run, type RunResult } from '../../src/run.ts';
import { guest } from '../helpers/paths.ts';

const LOOPBACK_ONLY: RulePolicyOptions = { allowNet: ['127.0.0.1'], allowListen: ['127.0.0.1'] };

/** A guest's stdout or stderr, collected, with a way to wait for a line. */
class Output {
  text = '';
  readonly #decoder = new TextDecoder();
  readonly #waiters: (() => void)[] = [];

  readonly write = (chunk: Uint8Array): void => {
    this.text += this.#decoder.decode(chunk, { stream: true });
    for (const w of this.#waiters.splice(0)) w();
  };

  /** The first match of `re` in the output, waiting for more while `running` has not settled. */
  async match(re: RegExp, running: Promise<unknown>): Promise<RegExpExecArray> {
    const ended = running.then(
      () => 'ended',
      () => 'ended',
    );
    for (;;) {
      const m = re.exec(this.text);
      if (m !== null) return m;
      const more = new Promise<'more'>((resolve) => this.#waiters.push(() => resolve('more')));
      if ((await Promise.race([more, ended])) === 'ended') {
        const last = re.exec(this.text);
        if (last !== null) return last;
        throw new Error(`the guest ended without printing ${re}; it printed: ${JSON.stringify(this.text)}`);
      }
    }
  }
}

interface Running {
  done: Promise<RunResult>;
  out: Output;
  err: Output;
}

/** Starts a guest on `network` (not awaited: guests run side by side). */
function start(name: string, network: MemoryNetwork, args: string[], policy: RulePolicyOptions = LOOPBACK_ONLY): Running {
  const out = new Output();
  const err = new Output();
  const done = run(guest(name), { args, stdio: { stdout: out.write, stderr: err.write }, net: { driver: network, policy } });
  return { done, out, err };
}

/** Starts the httpserver guest on `listen` and waits for its "listening on ADDR" line. */
async function startServer(network: MemoryNetwork, listen: string, policy?: RulePolicyOptions): Promise<Running & { addr: string }> {
  const server = start('httpserver', network, [listen], policy);
  const [, addr] = await server.out.match(/^listening on (\S+)$/m, server.done);
  return { ...server, addr: addr as string };
}

test(
  'a Go HTTP client guest fetches from a Go HTTP server guest on the same MemoryNetwork, both running at once',
  { timeout: 60_000 },
  async () => {
    const network = new MemoryNetwork();
    const server = await startServer(network, '127.0.0.1:0');
    // The memory network's first ephemeral port: the listener is not an OS socket.
    assert.equal(server.addr, '127.0.0.1:49152');
    assert.deepEqual(network.boundPorts, { tcp: 1, udp: 0 });

    const client = start('httpclient', network, [`http://${server.addr}/hello`, `http://${server.addr}/quit`]);
    const c = await client.done;
    assert.equal(c.exitCode, 0, client.out.text + client.err.text);
    assert.match(client.out.text, /^GET http:\/\/127\.0\.0\.1:49152\/hello\nstatus: 200 OK\n/m);
    assert.match(client.out.text, /^body: hello from wasm: GET \/hello \(0 bytes\)$/m);
    assert.match(client.out.text, /^body: bye$/m);

    const s = await server.done;
    assert.equal(s.exitCode, 0, server.err.text);
    assert.equal(server.err.text, '');
    assert.deepEqual(network.boundPorts, { tcp: 0, udp: 0 }, 'both guests gave their ports back');
  },
);

test(
  'a client guest reaches a server guest by a name from the hosts table, on an address other than loopback',
  { timeout: 60_000 },
  async () => {
    const network = new MemoryNetwork({ hosts: { 'api.test': ['10.0.0.2'] } });
    const server = await startServer(network, '10.0.0.2:8080', { allowListen: ['10.0.0.2'] });
    assert.equal(server.addr, '10.0.0.2:8080');

    // The guest resolves api.test through the in-host DNS stub, which asks the network's hosts table.
    const client = start('httpclient', network, ['http://api.test:8080/by-name', 'http://10.0.0.2:8080/quit'], {
      allowNet: ['api.test:8080', '10.0.0.2:8080'],
    });
    const c = await client.done;
    assert.equal(c.exitCode, 0, client.out.text + client.err.text);
    assert.match(client.out.text, /^body: hello from wasm: GET \/by-name \(0 bytes\)$/m);
    assert.equal((await server.done).exitCode, 0, server.err.text);
  },
);

test('the policy still rules a memory network: a refused connect or listen reads as "permission denied"', { timeout: 60_000 }, async () => {
  const network = new MemoryNetwork();
  const server = await startServer(network, '127.0.0.1:0');

  // The server is there and reachable, but this client may only reach 127.0.0.2.
  const denied = start('httpclient', network, [`http://${server.addr}/`], { allowNet: ['127.0.0.2'] });
  assert.equal((await denied.done).exitCode, 1);
  assert.match(denied.out.text, /^GET http:\/\/127\.0\.0\.1:\d+\/ error: .*dial tcp 127\.0\.0\.1:\d+: connect: permission denied$/im);

  // A server guest may not listen where its rules do not allow it.
  const refusedListen = start('httpserver', network, ['127.0.0.1:0'], { allowListen: ['10.0.0.9'] });
  assert.equal((await refusedListen.done).exitCode, 1);
  assert.match(refusedListen.err.text, /^listen: .*permission denied/im);

  const quit = start('httpclient', network, [`http://${server.addr}/quit`]);
  assert.equal((await quit.done).exitCode, 0, quit.out.text);
  assert.equal((await server.done).exitCode, 0, server.err.text);
});

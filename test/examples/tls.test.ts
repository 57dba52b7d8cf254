// examples/tls builds from its source and talks crypto/tls and HTTPS to a
// real TLS server (node:https on 127.0.0.1, port 0) whose certificate comes
// from a throwaway CA made with openssl by the README's own commands. The
// guest gets its trust roots as the README shows: a file or directory in a
// read-only preopen named by SSL_CERT_FILE / SSL_CERT_DIR, or the host's CA
// bundle directory. A name the certificate does not cover, and a CA the
// guest does not trust, fail with Go's x509 errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { buildGoExample, exampleDir } from '../helpers/examples.ts';
import { tempDir } from '../helpers/paths.ts';

const README = readFileSync(join(exampleDir('tls'), 'README.md'), 'utf8');
const BUILD = 'GOOS=wasip1 GOARCH=wasm go build -o tls.wasm .';
const RUN = 'npx dialtone run --allow-net=127.0.0.1:8443 --dir ./certs:/certs:ro --env SSL_CERT_FILE=/certs/ca.pem tls.wasm 127.0.0.1:8443';
const HOST_ROOTS = '--dir /etc/ssl/certs:/etc/ssl/certs:ro --env SSL_CERT_DIR=/etc/ssl/certs';
/** The host's CA bundle on Debian and Ubuntu (what HOST_ROOTS finds in that directory). */
const HOST_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

let dir: ReturnType<typeof tempDir>;
let wasm: string;
let server: Server;
let addr: string;

before(async () => {
  wasm = buildGoExample('tls');
  dir = tempDir('dialtone-tls-');
  // The README's certificate block, run as written (it makes ./certs).
  const block = /^mkdir -p certs && cd certs\n[\s\S]*?\ncd \.\.$/m.exec(README);
  assert.ok(block, 'the README has the openssl block, from "mkdir -p certs" to "cd .."');
  execFileSync('sh', ['-e', '-c', block[0]], { cwd: dir.path, stdio: ['ignore', 'ignore', 'pipe'] });
  // A directory holding only the CA, for SSL_CERT_DIR.
  mkdirSync(join(dir.path, 'trust'));
  copyFileSync(join(dir.path, 'certs', 'ca.pem'), join(dir.path, 'trust', 'ca.pem'));

  const certs = join(dir.path, 'certs');
  server = createServer({ cert: readFileSync(join(certs, 'server.pem')), key: readFileSync(join(certs, 'server.key')) }, (req, res) =>
    res.end(`hello over ${(req.socket as TLSSocket).getProtocol()}: ${req.method} ${req.url}\n`),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server?.close();
  server?.closeAllConnections();
  dir?.cleanup();
});

/** Runs the guest against the server with `flags` before the module and `args` after it. */
const runGuest = (flags: string[], args: string[] = [addr]) =>
  dialtone(['run', `--allow-net=${addr}`, ...flags, wasm, ...args], { cwd: dir.path, timeoutMs: 60_000 });

test("the example's README shows how to build it, make certificates, and give it trust roots", () => {
  for (const line of [BUILD, RUN, HOST_ROOTS]) assert.ok(README.includes(line), `README shows: ${line}`);
});

test('with the CA in a read-only preopen named by SSL_CERT_FILE, crypto/tls and net/http verify the server and talk to it', async () => {
  const r = await runGuest(['--dir', './certs:/certs:ro', '--env', 'SSL_CERT_FILE=/certs/ca.pem']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.toString().split('\n');
  assert.equal(lines.length, 5, r.stdout.toString());
  assert.equal(lines[0], 'trust roots: 1');
  assert.match(lines[1] ?? '', /^tls: TLS 1\.3, TLS_[A-Z0-9_]+, server "localhost" issued by "dialtone example CA"$/);
  assert.equal(lines[2], 'tls: 200 OK: hello over TLSv1.3: GET /raw');
  assert.equal(lines[3], 'https: HTTP/1.1 200 OK: hello over TLSv1.3: GET /hello');
});

test('SSL_CERT_DIR naming a read-only preopened directory of PEM files works as well', async () => {
  const r = await runGuest(['--dir', './trust:/trust:ro', '--env', 'SSL_CERT_DIR=/trust']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.toString(), /^https: HTTP\/1\.1 200 OK: hello over TLSv1\.3: GET \/hello$/m);
});

test('a server name the certificate does not cover is refused with x509\'s "valid for ..., not ..."', async () => {
  const r = await runGuest(['--dir', './certs:/certs:ro', '--env', 'SSL_CERT_FILE=/certs/ca.pem'], ['-name', 'wrong.example', addr]);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, 'handshake: tls: failed to verify certificate: x509: certificate is valid for localhost, not wrong.example\n');
  assert.doesNotMatch(r.stdout.toString(), /^(tls|https): /m);
  // The name it does cover passes.
  const ok = await runGuest(['--dir', './certs:/certs:ro', '--env', 'SSL_CERT_FILE=/certs/ca.pem'], ['-name', 'localhost', addr]);
  assert.equal(ok.status, 0, ok.stderr);
});

test("with the host's CA bundle (read-only, as the README shows) the guest loads the host's roots and refuses the unknown CA", async (t) => {
  if (!existsSync(HOST_BUNDLE)) {
    t.skip(`${HOST_BUNDLE} is missing (no ca-certificates on this host)`);
    return;
  }
  const bundleRoots = readFileSync(HOST_BUNDLE, 'utf8').split('-----BEGIN CERTIFICATE-----').length - 1;
  const r = await runGuest(HOST_ROOTS.split(' '));
  assert.equal(r.status, 1, r.stderr);
  const loaded = Number(/^trust roots: (\d+)$/m.exec(r.stdout.toString())?.[1]);
  assert.ok(loaded >= bundleRoots && bundleRoots > 0, `loaded ${loaded} roots, the bundle has ${bundleRoots}`);
  assert.equal(r.stderr, 'handshake: tls: failed to verify certificate: x509: certificate signed by unknown authority\n');
});

test('without any trust roots the guest loads none and refuses the server', async () => {
  const r = await runGuest([]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout.toString(), /^trust roots: 0$/m);
  assert.equal(r.stderr, 'handshake: tls: failed to verify certificate: x509: certificate signed by unknown authority\n');
});

// dialtone/http's Client on Node does https with node:tls over the dialled
// Conn: it verifies the server's certificate (a throwaway one made with
// openssl for 127.0.0.1), and refuses one it cannot verify.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/http/index.ts';
import { Network } from '../../src/net/index.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { tempDir } from '../helpers/paths.ts';

test('the Node Client does https with node:tls, verifying the certificate against the given CA', { timeout: 30_000 }, async () => {
  const dir = tempDir('dialtone-https-');
  const key = join(dir.path, 'key.pem');
  const cert = join(dir.path, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=dialtone test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    res.end(`secure ${req.url} over ${(req.socket as { alpnProtocol?: string }).alpnProtocol ?? 'no ALPN'}`);
  });
  let handshakes = 0;
  server.on('secureConnection', () => handshakes++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hello`;
  const network = new Network({ driver: new NodeDriver() });
  const client = new Client({ network, tls: { ca: readFileSync(cert) } });
  const untrusting = new Client({ network });
  try {
    assert.equal(await (await client.get(url)).body.text(), 'secure /hello over http/1.1');
    assert.equal(await (await client.get(url)).body.text(), 'secure /hello over http/1.1');
    assert.equal(handshakes, 1, 'the second request reused the TLS connection');
    await assert.rejects(untrusting.get(url), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  } finally {
    client.closeIdleConnections();
    untrusting.closeIdleConnections();
    server.close();
    dir.cleanup();
  }
});

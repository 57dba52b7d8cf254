// Go's own test tables for net's address helpers (src/net/ip_test.go),
// carried over as data in testdata/*.json (each names its Go file, table and
// release), run row by row against src/net/ip.ts and src/net/hostport.ts.
// Each row checks what the Go test checks, the way it checks it (Equal where
// Go uses Equal, exact bytes where Go uses reflect.DeepEqual).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it, test } from 'node:test';
import { AddrError, ParseError } from '../../src/net/addr-errors.ts';
import { joinHostPort, splitHostPort } from '../../src/net/hostport.ts';
import { cidrMask, IP, IPMask, IPNet, parseCIDR, parseIP } from '../../src/net/ip.ts';

type Bytes = number[];
type NetRow = { ip: Bytes; mask: Bytes };

interface Table<Row> {
  source: { repository: string; file: string; table: string; test: string; tag: string; sha256: string; note?: string };
  rows: Row[];
}

function load<Row>(name: string): Table<Row> {
  const table = JSON.parse(readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8')) as Table<Row>;
  assert.equal(table.source.repository, 'golang/go', name);
  assert.ok(Array.isArray(table.rows) && table.rows.length > 0, `${name}: no rows`);
  return table;
}

/** Runs `check` on every row of testdata/`name`, one test per row, named after the Go table, the index and the row. */
function eachRow<Row>(name: string, check: (row: Row) => void): void {
  const table = load<Row>(name);
  const { file, table: tableName, tag } = table.source;
  describe(`${tableName} (${file}, ${tag})`, () => {
    table.rows.forEach((row, k) => {
      it(`${tableName}[${k}] ${JSON.stringify(row)}`, () => check(row));
    });
  });
}

const bytesOf = (x: IP | IPMask | null): Bytes | null => (x === null ? null : [...x.bytes]);
const ipOf = (b: Bytes | null): IP => new IP(b ?? []); // Go's nil IP is the empty IP
const netOf = (n: NetRow): IPNet => new IPNet(new IP(n.ip), new IPMask(n.mask));

eachRow<{ in: string; out: Bytes | null }>('parse-ip.json', (row) => {
  // TestParseIP: reflect.DeepEqual, so the exact 16-byte form or nil.
  assert.deepEqual(bytesOf(parseIP(row.in)), row.out, `parseIP(${JSON.stringify(row.in)})`);
  if (row.in === '') return; // Go tests UnmarshalText("") elsewhere (TestMarshalEmptyIP)
  if (row.out === null) {
    assert.throws(
      () => IP.unmarshalText(row.in),
      (err: unknown) => err instanceof ParseError && err.type === 'IP address' && err.message === `invalid IP address: ${row.in}`,
    );
  } else {
    assert.deepEqual(bytesOf(IP.unmarshalText(row.in)), row.out, `IP.unmarshalText(${JSON.stringify(row.in)})`);
  }
});

eachRow<{ in: Bytes | null; str: string; byt: string | null; error: { err: string; addr: string } | null }>('ip-string.json', (row) => {
  const ip = ipOf(row.in);
  assert.equal(ip.toString(), row.str, 'IP.String');
  if (row.error === null) {
    // bytes.Equal: Go's nil slice and the empty text are the same.
    assert.equal(ip.marshalText(), row.byt ?? '', 'IP.MarshalText');
  } else {
    const { err, addr } = row.error;
    assert.throws(
      () => ip.marshalText(),
      (e: unknown) => e instanceof AddrError && e.err === err && e.addr === addr && e.message === `address ${addr}: ${err}`,
    );
  }
});

eachRow<{ in: Bytes; mask: Bytes; out: Bytes }>('ip-mask.json', (row) => {
  // TestIPMask: non-nil and Equal.
  const out = new IP(row.in).mask(new IPMask(row.mask));
  assert.ok(out !== null && new IP(row.out).equal(out), `IP.Mask gave ${String(out)}, want ${new IP(row.out).toString()}`);
});

eachRow<{ in: Bytes | null; out: string }>('ip-mask-string.json', (row) => {
  assert.equal(new IPMask(row.in ?? []).toString(), row.out);
});

eachRow<{ in: string; ip: Bytes | null; net: NetRow | null; err: { type: string; text: string } | null }>('parse-cidr.json', (row) => {
  if (row.err !== null) {
    const { type, text } = row.err;
    assert.throws(
      () => parseCIDR(row.in),
      (e: unknown) => e instanceof ParseError && e.type === type && e.text === text && e.message === `invalid ${type}: ${text}`,
    );
    return;
  }
  assert.ok(row.ip !== null && row.net !== null, 'malformed row');
  const { ip, net } = parseCIDR(row.in);
  // TestParseCIDR: Equal for both addresses, reflect.DeepEqual for the mask.
  assert.ok(new IP(row.ip).equal(ip), `ip ${ip.toString()}`);
  assert.ok(new IP(row.net.ip).equal(net.ip), `net.ip ${net.ip.toString()}`);
  assert.deepEqual(bytesOf(net.mask), row.net.mask, 'net.mask');
});

eachRow<{ ip: Bytes; net: NetRow; ok: boolean }>('ip-net-contains.json', (row) => {
  assert.equal(netOf(row.net).contains(new IP(row.ip)), row.ok);
});

eachRow<{ in: NetRow | null; out: string }>('ip-net-string.json', (row) => {
  // A nil *IPNet has no TypeScript counterpart; its nearest is the zero IPNet, which Go prints the same.
  const net = row.in === null ? new IPNet() : netOf(row.in);
  assert.equal(net.toString(), row.out);
});

eachRow<{ ones: number; bits: number; out: Bytes | null }>('cidr-mask.json', (row) => {
  assert.deepEqual(bytesOf(cidrMask(row.ones, row.bits)), row.out);
});

eachRow<{ hostPort: string; host: string; port: string }>('split-host-port.json', (row) => {
  assert.deepEqual(splitHostPort(row.hostPort), [row.host, row.port]);
});

eachRow<{ hostPort: string; err: string }>('split-host-port-failure.json', (row) => {
  assert.throws(
    () => splitHostPort(row.hostPort),
    (e: unknown) =>
      e instanceof AddrError && e.err === row.err && e.addr === row.hostPort && e.message === `address ${row.hostPort}: ${row.err}`,
  );
});

eachRow<{ host: string; port: string; hostPort: string }>('join-host-port.json', (row) => {
  assert.equal(joinHostPort(row.host, row.port), row.hostPort);
});

eachRow<{ in: Bytes; af4: boolean; af6: boolean }>('ip-addr-family.json', (row) => {
  const ip = new IP(row.in);
  assert.equal(ip.to4() !== null, row.af4, 'IPv4 family');
  assert.equal(ip.length === 16 && ip.to4() === null, row.af6, 'IPv6 family');
});

const SCOPES: Record<string, (ip: IP) => boolean> = {
  IsUnspecified: (ip) => ip.isUnspecified(),
  IsLoopback: (ip) => ip.isLoopback(),
  IsMulticast: (ip) => ip.isMulticast(),
  IsInterfaceLocalMulticast: (ip) => ip.isInterfaceLocalMulticast(),
  IsLinkLocalMulticast: (ip) => ip.isLinkLocalMulticast(),
  IsLinkLocalUnicast: (ip) => ip.isLinkLocalUnicast(),
  IsGlobalUnicast: (ip) => ip.isGlobalUnicast(),
  IsPrivate: (ip) => ip.isPrivate(),
};

eachRow<{ scope: string; in: Bytes | null; ok: boolean }>('ip-addr-scope.json', (row) => {
  const scope = SCOPES[row.scope];
  assert.ok(scope !== undefined, `no method for ${row.scope}`);
  const ip = ipOf(row.in);
  assert.equal(scope(ip), row.ok, `${row.scope}(${ip.toString()})`);
  // TestIPAddrScope asks the 4-byte form too.
  const ip4 = ip.to4();
  if (ip4 !== null) assert.equal(scope(ip4), row.ok, `${row.scope}(To4: ${ip4.toString()})`);
});

// Beyond the tables: what Go's documentation and source promise, checked directly.

test("parseCIDR returns Go's byte forms: a 16-byte ip; a 4-byte network and mask for IPv4 text, 16 for IPv6 text", () => {
  const v4 = parseCIDR('192.0.2.1/24');
  assert.equal(v4.ip.length, 16);
  assert.deepEqual(bytesOf(v4.net.ip), [192, 0, 2, 0]);
  assert.deepEqual(bytesOf(v4.net.mask), [255, 255, 255, 0]);
  assert.equal(v4.net.toString(), '192.0.2.0/24');
  assert.equal(v4.net.network(), 'ip+net');
  const v6 = parseCIDR('2001:db8::1/32');
  assert.equal(v6.net.ip.length, 16);
  assert.equal(v6.net.mask.length, 16);
  assert.deepEqual(v6.net.mask.size(), [32, 128]);
  assert.equal(v6.net.toString(), '2001:db8::/32');
});

test("error messages are Go's Error() texts", () => {
  assert.throws(() => parseCIDR('256.0.0.0/8'), { name: 'ParseError', message: 'invalid CIDR address: 256.0.0.0/8' });
  assert.throws(() => splitHostPort('1.2.3.4'), { name: 'AddrError', message: 'address 1.2.3.4: missing port in address' });
  assert.throws(() => splitHostPort('[::1]:80:81'), { name: 'AddrError', message: 'address [::1]:80:81: too many colons in address' });
  assert.throws(() => splitHostPort('[::1:80'), { message: "address [::1:80: missing ']' in address" });
  assert.equal(new AddrError('invalid IP address', '').message, 'invalid IP address'); // Go drops the empty Addr
});

test('IP and IPMask are immutable: bytes go in and come out as copies', () => {
  const source = new Uint8Array([10, 0, 0, 1]);
  const ip = new IP(source);
  source[0] = 99;
  ip.bytes[1] = 99;
  assert.equal(ip.toString(), '10.0.0.1');
  assert.throws(() => new IP([256]), RangeError);
  assert.throws(() => new IPMask([1.5]), RangeError);
});

// The two errors Go's address helpers return, with Go's texts: a malformed
// literal (ParseError: `invalid CIDR address: 256.0.0.0/8`) and a malformed
// or unsuitable address (AddrError: `address 1.2.3.4: missing port in address`).

/**
 * A literal network address that does not parse, as Go's `*net.ParseError`.
 * The message is Go's `Error()` text: `invalid ${type}: ${text}`
 * (`invalid CIDR address: 256.0.0.0/8`, `invalid IP address: 1.2.3`).
 * `code` is `ERR_NET_ADDRESS`, as for every malformed address in dialtone/net.
 *
 * @see https://pkg.go.dev/net#ParseError
 */
export class ParseError extends Error {
  /** What was expected: `IP address`, `CIDR address`, ... (Go's `Type`). */
  readonly type: string;
  /** The malformed text (Go's `Text`). */
  readonly text: string;
  /** A stable code to match on: always `ERR_NET_ADDRESS`. */
  readonly code = 'ERR_NET_ADDRESS';
  /** Go's `Timeout()`: never. */
  readonly timeout = false;
  /** Go's `Temporary()`: never. */
  readonly temporary = false;

  /** A ParseError for `text`, which is not a valid `type` (Go's `&ParseError{Type: type, Text: text}`). */
  constructor(type: string, text: string) {
    super(`invalid ${type}: ${text}`);
    this.name = 'ParseError';
    this.type = type;
    this.text = text;
  }
}

/**
 * An address that cannot be used as given, as Go's `*net.AddrError`. The
 * message is Go's `Error()` text: `address ${addr}: ${err}`, or just `err`
 * when `addr` is empty (`address [::1]:80:81: too many colons in address`).
 * `code` is `ERR_NET_ADDRESS`, as for every malformed address in dialtone/net.
 *
 * @see https://pkg.go.dev/net#AddrError
 */
export class AddrError extends Error {
  /** Why the address is wrong (Go's `Err`): `missing port in address`, ... */
  readonly err: string;
  /** The address, as given (Go's `Addr`); may be empty. */
  readonly addr: string;
  /** A stable code to match on: always `ERR_NET_ADDRESS`. */
  readonly code = 'ERR_NET_ADDRESS';
  /** Go's `Timeout()`: never. */
  readonly timeout = false;
  /** Go's `Temporary()`: never. */
  readonly temporary = false;

  /** An AddrError saying `err` about `addr` (Go's `&AddrError{Err: err, Addr: addr}`). */
  constructor(err: string, addr: string) {
    super(addr === '' ? err : `address ${addr}: ${err}`);
    this.name = 'AddrError';
    this.err = err;
    this.addr = addr;
  }
}

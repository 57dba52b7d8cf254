import { copyOut, totalLength } from '../netdev/buffers.ts';
import { Filetype } from './constants.ts';
import { ALWAYS_READY, Descriptor, type PollKind, type Readiness } from './descriptor.ts';

/** Where a guest's stdout or stderr goes: a host fd (Node only), or a callback per write. */
export type OutputTarget = number | ((chunk: Uint8Array) => void);
/** Where a guest's stdin comes from: a host fd (Node only), or fixed bytes / text. */
export type InputSource = number | Uint8Array | string;

/**
 * A guest stdout / stderr that hands each write to a callback (a copy: the
 * guest's memory is never retained). Portable: what browsers use.
 */
export class CallbackOutput extends Descriptor {
  readonly filetype = Filetype.CHARACTER_DEVICE;
  readonly #sink: (chunk: Uint8Array) => void;

  constructor(sink: (chunk: Uint8Array) => void) {
    super();
    this.#sink = sink;
  }

  override write(bufs: Uint8Array[]): number {
    let total = 0;
    for (const buf of bufs) {
      this.#sink(buf.slice());
      total += buf.length;
    }
    return total;
  }
}

/** A guest stdin with fixed contents, then end of file. Portable. */
export class FixedInput extends Descriptor {
  readonly filetype = Filetype.CHARACTER_DEVICE;
  readonly #pending: Uint8Array[];

  constructor(source: Uint8Array | string) {
    super();
    const bytes = typeof source === 'string' ? new TextEncoder().encode(source) : source;
    this.#pending = bytes.length > 0 ? [bytes] : [];
  }

  override read(bufs: Uint8Array[]): number {
    return copyOut(this.#pending, bufs, true);
  }

  /** Readable with what is left, then a hang-up at the end. */
  override poll(kind: PollKind): Readiness {
    if (kind === 'write') return ALWAYS_READY;
    const nbytes = totalLength(this.#pending);
    return { ready: true, nbytes, hangup: nbytes === 0 };
  }
}

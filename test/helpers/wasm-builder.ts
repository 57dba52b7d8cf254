// A minimal WebAssembly binary encoder for tests that need a module with a
// precise shape (an unknown import, a trap, a missing export) without a
// toolchain. Only what those tests use: function types of i32 params and an
// optional i32 result, function imports, one memory, exports, raw bodies.

const enc = new TextEncoder();

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function str(s: string): number[] {
  const b = [...enc.encode(s)];
  return [...uleb(b.length), ...b];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A function signature: number of i32 params, and whether it returns an i32. */
export interface Sig {
  params: number;
  result: boolean;
}

/** A module description for {@link buildModule}. */
export interface ModuleSpec {
  imports?: { module: string; name: string; sig: Sig }[];
  /** Defined functions: signature and body bytes (without locals header and final `end`). */
  functions?: { sig: Sig; body: number[]; export?: string }[];
  /** Export a one-page memory as "memory". */
  memory?: boolean;
}

const I32 = 0x7f;

/** Encodes a module. Function indices: imports first, then definitions. */
export function buildModule(spec: ModuleSpec): Uint8Array {
  const sigs: Sig[] = [];
  const typeOf = (s: Sig): number => {
    const i = sigs.findIndex((t) => t.params === s.params && t.result === s.result);
    if (i !== -1) return i;
    sigs.push(s);
    return sigs.length - 1;
  };
  const imports = (spec.imports ?? []).map((i) => [...str(i.module), ...str(i.name), 0x00, ...uleb(typeOf(i.sig))]);
  const funcs = spec.functions ?? [];
  const funcTypes = funcs.map((f) => uleb(typeOf(f.sig)));
  const exports: number[][] = [];
  if (spec.memory) exports.push([...str('memory'), 0x02, 0x00]);
  funcs.forEach((f, i) => {
    if (f.export !== undefined) exports.push([...str(f.export), 0x00, ...uleb((spec.imports?.length ?? 0) + i)]);
  });
  const types = sigs.map((s) => [0x60, ...uleb(s.params), ...Array<number>(s.params).fill(I32), ...(s.result ? [1, I32] : [0])]);
  const code = funcs.map((f) => {
    const body = [0x00, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...(imports.length > 0 ? section(2, vec(imports)) : []),
    ...(funcs.length > 0 ? section(3, vec(funcTypes)) : []),
    ...(spec.memory ? section(5, [1, 0x00, 1]) : []),
    ...(exports.length > 0 ? section(7, vec(exports)) : []),
    ...(funcs.length > 0 ? section(10, vec(code)) : []),
  ];
  return new Uint8Array(bytes);
}

/** Instruction bytes used by the tests. */
export const op = {
  unreachable: [0x00],
  i32Const: (n: number): number[] => [0x41, ...sleb(n)],
  call: (i: number): number[] => [0x10, ...uleb(i)],
  drop: [0x1a],
};

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/**
 * Reads the parameter and result counts of a module's imported functions
 * straight from its binary (the JS API does not expose import types). Used
 * to tell WasmEdge socket ABI versions apart, which share names but not
 * signatures. Returns undefined for anything it cannot parse; it never throws.
 * https://webassembly.github.io/spec/core/binary/modules.html
 */
export function importSignatures(bytes: Uint8Array): Map<string, { params: number; results: number }> | undefined {
  try {
    return parse(bytes);
  } catch {
    return undefined;
  }
}

function parse(b: Uint8Array): Map<string, { params: number; results: number }> {
  let p = 8;
  const u32 = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (p >= b.length) throw new Error('truncated');
      const byte = b[p++] as number;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) throw new Error('leb128 too long');
    }
  };
  const name = (): string => {
    const n = u32();
    const s = new TextDecoder().decode(b.subarray(p, p + n));
    p += n;
    return s;
  };
  const types: { params: number; results: number }[] = [];
  const out = new Map<string, { params: number; results: number }>();
  while (p < b.length) {
    const id = b[p++] as number;
    const size = u32();
    const end = p + size;
    if (id === 1) {
      const count = u32();
      for (let i = 0; i < count; i++) {
        if (b[p++] !== 0x60) throw new Error('not a function type');
        const params = u32();
        p += params;
        const results = u32();
        p += results;
        types.push({ params, results });
      }
    } else if (id === 2) {
      const count = u32();
      for (let i = 0; i < count; i++) {
        const mod = name();
        const field = name();
        const kind = b[p++];
        if (kind === 0x00) {
          const t = types[u32()];
          if (t !== undefined) out.set(`${mod}.${field}`, t);
        } else if (kind === 0x01) {
          p++; // reftype
          limits();
        } else if (kind === 0x02) limits();
        else if (kind === 0x03)
          p += 2; // valtype, mut
        else if (kind === 0x04)
          p += 2; // tag: attribute, type index (small)
        else throw new Error('unknown import kind');
      }
      return out; // the import section follows the type section; nothing after is needed
    }
    p = end;
  }
  return out;

  function limits(): void {
    const flag = b[p++] as number;
    u32();
    if (flag & 1) u32();
  }
}

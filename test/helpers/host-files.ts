// The regular files below a host directory, in the shape MemoryFs.files()
// reports them, for comparing a run over a host directory with one over an
// in-memory filesystem.
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every regular file below `root` (symlinks not followed) by `/`-separated relative path. */
export function hostFiles(root: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel))) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(root, path));
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.set(path, new Uint8Array(readFileSync(join(root, path))));
    }
  };
  walk('');
  return out;
}

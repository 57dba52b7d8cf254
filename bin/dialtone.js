#!/usr/bin/env -S node --stack-size=7800 --wasm-stack-switching-stack-size=8192 --no-concurrent-sparkplug
// The `dialtone` command. See `dialtone --help`.
import { enableCompileCache } from './compile-cache.js';
import { setStackFlags } from './stack-flags.js';

enableCompileCache();
setStackFlags();
const { main } = await import('../dist/cli-bundle/main.js');
// Exit explicitly: a guest may leave a stdin read in flight.
process.exit(await main(process.argv.slice(2)));

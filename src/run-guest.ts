import { DialtoneError } from './errors.ts';
import { checkImports, type LoadedModule } from './module.ts';
import { WasiHost, type HostConfig } from './wasi/host.ts';
import { ProcExit } from './wasi/proc-exit.ts';

/** How a guest ended. */
export interface RunResult {
  /** The guest's exit code (0 when `_start` returned). */
  exitCode: number;
}

/**
 * Runs a compiled WASI command on this thread, on any platform: builds its
 * host, lets `setup` add what the platform's entry point adds (preopened
 * sockets on Node), instantiates, runs `_start` under JSPI and tears the
 * host down. Each platform's `run()` gets the module and assembles the
 * {@link HostConfig}; everything after that is here, once.
 */
export async function runGuest(
  loaded: LoadedModule,
  config: Omit<HostConfig, 'signatures'>,
  setup?: (host: WasiHost) => Promise<void>,
): Promise<RunResult> {
  const jspi = config.platform.jspi();
  const host = new WasiHost({ ...config, signatures: loaded.signatures });
  try {
    await host.network.prepare();
    await setup?.(host);
    if (config.dns === true) host.addEtc();
    const imports = host.imports(jspi);
    checkImports(loaded.module, imports);
    const instance = await WebAssembly.instantiate(loaded.module, imports);
    const { memory, _start: start } = instance.exports;
    if (!(memory instanceof WebAssembly.Memory) || typeof start !== 'function') {
      throw new DialtoneError('ERR_NOT_A_COMMAND', 'module is not a WASI command: it must export "memory" and "_start"');
    }
    host.bind(memory);
    try {
      await jspi.promising(start as () => void)();
      return { exitCode: 0 };
    } catch (err) {
      if (err instanceof ProcExit) return { exitCode: err.code };
      throw new DialtoneError('ERR_GUEST_TRAP', `guest trapped: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  } finally {
    await host.close();
  }
}

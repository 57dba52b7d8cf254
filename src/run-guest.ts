import { DialtoneError } from './errors.ts';
import { SysError } from './internal/errno.ts';
import { checkImports, type LoadedModule } from './module.ts';
import { abortable, GuestAborted } from './pool/abortable-imports.ts';
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
 *
 * With `signal`, aborting it ends the guest at its next host call or
 * suspension (see {@link abortable}) and rejects with the signal's reason.
 */
export async function runGuest(
  loaded: LoadedModule,
  config: Omit<HostConfig, 'signatures'>,
  setup?: (host: WasiHost) => Promise<void>,
  signal?: AbortSignal,
): Promise<RunResult> {
  signal?.throwIfAborted();
  const platformJspi = config.platform.jspi();
  const stop = signal === undefined ? undefined : abortable(platformJspi, signal);
  const jspi = stop?.jspi ?? platformJspi;
  let host: WasiHost;
  try {
    host = startingWith(config.maxOpenFiles, () => new WasiHost({ ...config, signatures: loaded.signatures }));
  } catch (err) {
    stop?.dispose();
    throw err;
  }
  try {
    await host.network.prepare();
    await startingWith(config.maxOpenFiles, async () => {
      await setup?.(host);
      if (config.dns === true) host.addEtc();
    });
    const built = host.imports(jspi);
    const imports = stop?.wrapPlain(built) ?? built;
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
      if (err instanceof GuestAborted) throw err.reason;
      throw new DialtoneError('ERR_GUEST_TRAP', `guest trapped: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  } finally {
    stop?.dispose();
    await host.close();
  }
}

/**
 * Runs the part of start-up that fills the fd table (stdio, preopened
 * directories and sockets, /etc), turning an EMFILE there into a usage
 * error: the cap leaves no room for what the guest starts with.
 */
function startingWith<T>(maxOpenFiles: number | undefined, step: () => T): T {
  const explain = (err: unknown): never => {
    if (err instanceof SysError && err.errno === 'EMFILE' && maxOpenFiles !== undefined) {
      throw new DialtoneError(
        'ERR_USAGE',
        `maxOpenFiles ${maxOpenFiles} is fewer than the descriptors the guest starts with (stdio, preopened directories and sockets, /etc)`,
        { cause: err },
      );
    }
    throw err;
  };
  try {
    const r = step();
    return r instanceof Promise ? (r.catch(explain) as T) : r;
  } catch (err) {
    return explain(err);
  }
}

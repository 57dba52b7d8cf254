/**
 * Stable error codes for everything dialtone itself refuses or fails at
 * (guest errors are exit codes, not exceptions). Match on `code`, not on
 * the message.
 */
export type DialtoneErrorCode =
  /** The module file does not exist or cannot be read. */
  | 'ERR_MODULE_NOT_FOUND'
  /** The bytes are not a WebAssembly module (bad magic or failed validation). */
  | 'ERR_NOT_WASM'
  /** The module imports something dialtone does not provide. */
  | 'ERR_UNKNOWN_IMPORT'
  /** The module exports no `_start` function or no memory. */
  | 'ERR_NOT_A_COMMAND'
  /** A directory to preopen does not exist or is not a directory. */
  | 'ERR_DIR_NOT_FOUND'
  /** This JavaScript engine lacks JSPI (WebAssembly.Suspending / promising). */
  | 'ERR_NO_JSPI'
  /** The guest trapped (unreachable, out-of-bounds access, stack overflow, ...). */
  | 'ERR_GUEST_TRAP'
  /** An option given to `spawnWorker` cannot cross into a worker thread (a policy object, a callback): pass plain data. */
  | 'ERR_WORKER_OPTIONS'
  /** A memory cap (`maxMemory`, `--max-memory`) that cannot apply: below the module's initial memory, or a precompiled module. */
  | 'ERR_MAX_MEMORY'
  /** A socket to preopen (`--listen` / `--dial`, `net.listen` / `net.dial`) could not be set up: address in use, connection refused, ... */
  | 'ERR_PREOPEN_SOCKET'
  /** A Wisp relay cannot listen, or a relay client cannot reach its relay. */
  | 'ERR_RELAY'
  /** A CPU profile (`cpuProfile`, `--cpu-prof`) cannot be recorded or written (e.g. its directory does not exist). */
  | 'ERR_CPU_PROFILE'
  /** A command-line usage error. */
  | 'ERR_USAGE';

/** An error raised by dialtone, with a stable {@link DialtoneErrorCode}. */
export class DialtoneError extends Error {
  readonly code: DialtoneErrorCode;
  constructor(code: DialtoneErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DialtoneError';
    this.code = code;
  }
}

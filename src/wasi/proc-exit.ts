/**
 * Thrown by `proc_exit` to unwind the guest. It is not a failure: `run()`
 * catches it and reports `code` as the exit code.
 */
export class ProcExit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`guest exited with code ${code}`);
    this.name = 'ProcExit';
    this.code = code;
  }
}

/** Which of the bins' V8 flags `execArgv` does not pass, with any value (see stack-flags.js). */
export function missingFlags(execArgv: readonly string[]): string[];
/** Sets whichever of the bins' V8 flags the command line did not pass. */
export function setStackFlags(): void;

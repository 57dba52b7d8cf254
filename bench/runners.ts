// The three ways the benchmarks run a guest program: under dialtone, under
// wasirun, and as the same Go program built natively.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { guestNative, guestWasm } from '../scripts/build-guests.ts';
import type { Command } from './measure.ts';

/**
 * The only network permissions dialtone's network benchmarks get: listening
 * on, and connecting to, loopback.
 */
export const LOOPBACK_POLICY = ['--allow-listen=127.0.0.1', '--allow-net=127.0.0.1'] as const;

/** Runner names, in report column order. */
export const RUNNERS = ['dialtone', 'wasirun', 'native'] as const;
/** One of {@link RUNNERS}. */
export type Runner = (typeof RUNNERS)[number];

/**
 * The Node options in the first line of `bin/dialtone.js`
 * (`#!/usr/bin/env -S node --stack-size=7800` gives `--stack-size=7800`),
 * so the bench starts dialtone exactly as its shebang would.
 */
export function shebangNodeOptions(bin: string): string[] {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0] ?? '';
  const words = first.replace(/^#!/, '').trim().split(/\s+/);
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  return node < 0 ? [] : words.slice(node + 1);
}

/** Builds the command lines for each runner. */
export class Runners {
  readonly #node: string;
  readonly #nodeOptions: readonly string[];
  readonly #bin: string;
  readonly #wasirun: string;

  /**
   * @param root the repository root
   * @param node the Node executable to run dialtone with (Node 24, for JSPI)
   * @param wasirun the wasirun executable
   */
  constructor(root: string, node: string, wasirun: string) {
    this.#node = node;
    this.#bin = join(root, 'bin', 'dialtone.js');
    this.#nodeOptions = shebangNodeOptions(this.#bin);
    this.#wasirun = wasirun;
  }

  /** The command that runs guest `name` with `args` under `runner`. */
  command(runner: Runner, name: string, args: readonly string[] = []): Command {
    switch (runner) {
      case 'dialtone':
        return this.nodeScript(this.#bin, ['run', guestWasm(name), ...args]);
      case 'wasirun':
        return { file: this.#wasirun, args: [guestWasm(name), '--', ...args] };
      case 'native':
        return { file: guestNative(name), args };
    }
  }

  /**
   * The command that runs network guest `name` with `args` under `runner`:
   * dialtone with {@link LOOPBACK_POLICY} (and `nodeOptions`, e.g. for a
   * CPU profile, before the script), wasirun with the WasmEdge V2 socket
   * extensions (which dispatchrun/net uses; wasirun has no policy, so its
   * guests may open any socket), or the native build.
   */
  netCommand(runner: Runner, name: string, args: readonly string[], nodeOptions: readonly string[] = []): Command {
    switch (runner) {
      case 'dialtone':
        return {
          file: this.#node,
          args: [...this.#nodeOptions, ...nodeOptions, this.#bin, 'run', ...LOOPBACK_POLICY, guestWasm(name), ...args],
        };
      case 'wasirun':
        return { file: this.#wasirun, args: ['--sockets', 'wasmedgev2', guestWasm(name), '--', ...args] };
      case 'native':
        return { file: guestNative(name), args };
    }
  }

  /** {@link command} for every runner. */
  commands(name: string, args: readonly string[] = []): Record<Runner, Command> {
    return {
      dialtone: this.command('dialtone', name, args),
      wasirun: this.command('wasirun', name, args),
      native: this.command('native', name, args),
    };
  }

  /** `node [dialtone's Node options] -e ''`: starting and exiting the Node that dialtone runs in. */
  bareNode(): Command {
    return { file: this.#node, args: [...this.#nodeOptions, '-e', ''] };
  }

  /** `dialtone --version`: starting Node and the CLI (which imports the runner only for `run`), no guest. */
  dialtoneVersion(): Command {
    return this.nodeScript(this.#bin, ['--version']);
  }

  /** A script run with the Node and Node options that dialtone gets. */
  nodeScript(script: string, args: readonly string[] = []): Command {
    return { file: this.#node, args: [...this.#nodeOptions, script, ...args] };
  }
}

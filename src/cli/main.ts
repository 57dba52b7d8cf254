import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DialtoneError } from '../errors.ts';
import { prepareModule } from '../node-module-file.ts';
import { USAGE, parseCommandLine, type RelayCommand, type RunCommand } from './options.ts';
import { stopOnSignals } from './stop-on-signals.ts';
import type { WispDriver } from '../netdev/wisp/driver.ts';

// Start-up: what only some commands use (the guest runner, the relay server
// with node:http and ws, the Wisp driver, the policy parser) is imported
// when a command needs it (see docs/benchmarks.md).

/**
 * The `dialtone` command. Returns the process exit code: the guest's own,
 * or 1 (with a one-line `dialtone: ...` message on stderr) when dialtone
 * cannot run it, or 2 for a usage error.
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const cmd = parseCommandLine(argv);
    if (cmd.command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (cmd.command === 'version') {
      const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
      process.stdout.write(`dialtone ${version}\n`);
      return 0;
    }
    if (cmd.command === 'relay') return await relayCommand(cmd);
    return await runCommand(cmd);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`dialtone: ${message}\n`);
    return err instanceof DialtoneError && err.code === 'ERR_USAGE' ? 2 : 1;
  }
}

async function runCommand(cmd: RunCommand): Promise<number> {
  for (const d of cmd.dirs) {
    if (!existsSync(d.host) || !statSync(d.host).isDirectory()) {
      throw new DialtoneError('ERR_DIR_NOT_FOUND', `--dir ${d.host}: no such directory`);
    }
  }
  const env: Record<string, string> = {};
  if (cmd.inheritEnv) for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, cmd.env);
  // Hold the event loop open while the guest runs: a guest suspended on
  // something that keeps no handle alive (V8 compiling in the background,
  // a wait with nothing left to wake it) must not end Node with exit 13.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    return await runGuest(cmd, env);
  } finally {
    clearInterval(keepAlive);
  }
}

async function runGuest(cmd: RunCommand, env: Record<string, string>): Promise<number> {
  const driver = cmd.relay === undefined ? undefined : await (await import('../netdev/wisp/driver.ts')).WispDriver.open(cmd.relay);
  try {
    return await runWith(cmd, env, driver);
  } finally {
    driver?.close();
  }
}

async function runWith(cmd: RunCommand, env: Record<string, string>, driver: WispDriver | undefined): Promise<number> {
  // With --cpu-prof, Ctrl-C stops the guest (at its next host call) so that the profile is still written.
  if (cmd.cpuProfile !== undefined) return stopOnSignals((signal) => runOnce(cmd, env, driver, signal));
  return runOnce(cmd, env, driver, undefined);
}

async function runOnce(
  cmd: RunCommand,
  env: Record<string, string>,
  driver: WispDriver | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  // No policy flag: the library default (deny all, no virtual /etc).
  // Start-up: the module is read and compiled while the runner is imported.
  const preparing = prepareModule(cmd.module, cmd.maxMemory);
  preparing.catch(() => {}); // reported by runPrepared
  const hasPolicy = Object.values(cmd.policy).some((v) => v.length > 0);
  const policy = hasPolicy ? (await import('../policy/flags.ts')).policyFromFlags(cmd.policy) : undefined;
  const { runPrepared } = await import('../run.ts');
  const { exitCode } = await runPrepared(preparing, {
    ...(signal === undefined ? {} : { signal }),
    args: cmd.args,
    argv0: cmd.module,
    env,
    dirs: Object.fromEntries(cmd.dirs.map((d) => [d.guest, d.readOnly ? { host: d.host, readOnly: true } : d.host])),
    trace: cmd.trace,
    maxMemory: cmd.maxMemory,
    maxOpenFiles: cmd.maxOpenFiles,
    ...(cmd.cpuProfile === undefined ? {} : { cpuProfile: cmd.cpuProfile === true ? {} : cmd.cpuProfile }),
    net: {
      policy,
      listen: cmd.listen,
      dial: cmd.dial,
      abi: cmd.socketAbi,
      ...(cmd.dnsServer === undefined ? {} : { dnsServer: cmd.dnsServer }),
      driver,
    },
  });
  return exitCode;
}

/** `dialtone relay`: runs until killed; prints the URL it serves once listening. */
async function relayCommand(cmd: RelayCommand): Promise<number> {
  const [{ policyOptionsFromFlags }, { startRelay }] = await Promise.all([import('../policy/flags.ts'), import('../relay/server.ts')]);
  const flags = policyOptionsFromFlags({ allowNet: cmd.allowNet, denyNet: cmd.denyNet, allowListen: cmd.allowListen });
  const relay = await startRelay({
    host: cmd.host,
    port: cmd.port,
    allowNet: flags.allowNet,
    denyNet: flags.denyNet,
    allowListen: flags.allowListen,
    origins: cmd.origins,
    token: cmd.token,
    staticDir: cmd.staticDir,
  });
  const policy =
    flags.allowNet === undefined ? 'public addresses only' : flags.allowNet === true ? 'every destination' : flags.allowNet.join(',');
  const listen =
    flags.allowListen === undefined
      ? ''
      : `; clients may listen on: ${flags.allowListen === true ? 'any address' : flags.allowListen.join(',')}`;
  process.stdout.write(`dialtone relay listening on ${relay.url} (destinations: ${policy}${listen})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await relay.close();
  return 0;
}

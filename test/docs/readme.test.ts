// README.md against facts the code exposes: the CLI block is `--help`, the
// flags, npm scripts and error codes it names exist, each feature-table row
// is true of the imports, flags and exports it names, and its TypeScript
// snippets type-check against the real API.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import * as api from '../../src/index.ts';
import { USAGE, parseCommandLine } from '../../src/cli/options.ts';
import { makeHost, passthroughJspi } from '../helpers/host.ts';
import { repoRoot } from '../helpers/paths.ts';

const read = (...path: string[]): string => readFileSync(join(repoRoot, ...path), 'utf8');
const readme = read('README.md');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string>; scripts: Record<string, string> };

/** Error codes of the `DialtoneErrorCode` union in src/errors.ts. */
const errorCodes = [...read('src', 'errors.ts').matchAll(/\| '(ERR_[A-Z_]+)'/g)].map((m) => m[1] as string).sort();
const codesIn = (text: string): string[] => [...new Set([...text.matchAll(/`(ERR_[A-Z_]+)`/g)].map((m) => m[1] as string))].sort();

/** Whether `--flag` appears in `dialtone --help`. */
const inUsage = (flag: string): boolean => new RegExp(`(^|[\\s,])${flag}(?![a-z-])`, 'm').test(USAGE);
/** Flags the README may name that are not dialtone's: npm's, node's, and a guest's own arguments in examples. */
const OTHER_PROGRAMS_FLAGS = new Set(['--save-dev', '--stack-size', '--verbose']);

/** What the default (`--socket-abi auto`) import object provides. */
const imports = makeHost({}).host.imports(passthroughJspi);
const importNames = new Set(Object.values(imports).flatMap((fns) => Object.keys(fns)));
const moduleNames = new Set(Object.keys(imports));
const exportNames = new Set(Object.keys(api));

test("the README's CLI block is exactly `dialtone --help`", () => {
  const m = /`dialtone --help` prints:\n\n```\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(m, 'README has a "`dialtone --help` prints:" block');
  assert.equal(m[1], USAGE);
});

test('--help lists exactly the --socket-abi values the parser accepts', () => {
  let accepted: string[] = [];
  try {
    parseCommandLine(['run', '--socket-abi=?', 'x.wasm']);
  } catch (err) {
    accepted = (/expected one of ([a-z0-9, -]+)/.exec((err as Error).message)?.[1] ?? '').split(',').map((v) => v.trim());
  }
  assert.ok(accepted.length > 1, 'the parser names the values it accepts');
  const help = USAGE.slice(USAGE.indexOf('--socket-abi'), USAGE.indexOf('\n  -', USAGE.indexOf('--socket-abi') + 1));
  const named = [...new Set(help.match(/\b(auto|none|wasinet|wasmedge(?:-v[12])?)\b/g) ?? [])].sort();
  assert.deepEqual(named, [...accepted].sort());
});

test('every dialtone flag the README names is in --help, and the parser takes it', () => {
  const flags = [...new Set(readme.match(/(?<![\w-])--[a-z][a-z-]*/g) ?? [])].filter((f) => !OTHER_PROGRAMS_FLAGS.has(f));
  const unknown = flags.filter((f) => !inUsage(f));
  assert.deepEqual(unknown, [], 'flags the README names but --help does not (add them to OTHER_PROGRAMS_FLAGS if not dialtone flags)');
  // A flag belongs to `dialtone run` or to `dialtone relay`: one of them must take it.
  const takes = (command: string, flag: string): boolean => {
    try {
      parseCommandLine([command, `${flag}=1`, 'x.wasm']);
    } catch (err) {
      return !/unknown option/.test((err as Error).message);
    }
    return true;
  };
  for (const flag of flags.filter((f) => f !== '--help' && f !== '--version')) {
    assert.ok(takes('run', flag) || takes('relay', flag), `${flag}: neither dialtone run nor dialtone relay takes it`);
  }
});

test('every `npm run SCRIPT` the README names is a script in package.json', () => {
  const named = [...new Set([...readme.matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1] as string))];
  assert.deepEqual(
    named.filter((s) => pkg.scripts[s] === undefined),
    [],
  );
});

test('the README and docs/compatibility.md list exactly the DialtoneError codes', () => {
  assert.ok(errorCodes.length >= 8);
  assert.deepEqual(codesIn(readme), errorCodes, 'README.md');
  const errorsTable = read('docs', 'compatibility.md').split(/^## Errors$/m)[1] ?? '';
  assert.deepEqual(codesIn(errorsTable), errorCodes, 'docs/compatibility.md, ## Errors');
});

/** The feature table: first cell, status cell. */
function featureRows(): { area: string; status: string }[] {
  const section = readme.split(/^## Features$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Area') && !l.startsWith('| ---'))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim());
      return { area: cells[1] ?? '', status: cells[2] ?? '' };
    });
}

/**
 * Checks one backticked name from a feature row against the code. Returns
 * whether it exists, or undefined for a name the test cannot check.
 */
function exists(name: string): boolean | undefined {
  if (name.startsWith('--')) return inUsage(name);
  if (name.startsWith('ERR_')) return errorCodes.includes(name);
  if (/^[a-z0-9]+_\*$/.test(name)) return [...importNames].some((n) => n.startsWith(name.slice(0, -1)));
  if (importNames.has(name) || moduleNames.has(name)) return true;
  if (exportNames.has(name)) return true;
  if (pkg.bin[name] !== undefined) return true;
  const script = /^npm run ([a-z:-]+)$/.exec(name);
  if (script) return pkg.scripts[script[1] as string] !== undefined;
  if (/^(sock|fd|path|args|environ|clock|proc|random|sched|poll)_[a-z_]+$/.test(name)) return false; // an import we lack
  if (/^[A-Z]\w*Policy$|^spawn\w+$/.test(name)) return false; // an export we lack
  return undefined;
}

/** Whether examples/`name` exists and a test in test/examples/ builds it (`build…Example('name'`) or reads it (`exampleDir('name')`). */
function exampleTested(name: string): boolean {
  if (!existsSync(join(repoRoot, 'examples', name))) return false;
  const dir = join(repoRoot, 'test', 'examples');
  const uses = new RegExp(`(?:build\\w*Example|exampleDir)\\('${name}'`);
  return readdirSync(dir).some((f) => f.endsWith('.test.ts') && uses.test(readFileSync(join(dir, f), 'utf8')));
}

test('each feature-table row is true of the imports, flags, exports and codes it names', () => {
  const rows = featureRows();
  assert.ok(rows.length >= 10, 'the feature table has rows');
  const wrong: string[] = [];
  for (const { area, status } of rows) {
    const mark = ['✅', '⚠️', '❌'].find((s) => status.startsWith(s));
    if (mark === undefined) {
      wrong.push(`${area}: status must start with ✅, ⚠️ or ❌`);
      continue;
    }
    const works = mark !== '❌';
    let checked = 0;
    for (const [, name] of `${area} ${status}`.matchAll(/`([^`]+)`/g)) {
      const found = exists(name as string);
      if (found === undefined) continue;
      checked++;
      if (name?.startsWith('ERR_')) {
        if (!found) wrong.push(`${area}: ${name} is not a DialtoneError code`);
      } else if (found !== works) wrong.push(`${area}: marked ${mark} but \`${name}\` ${found ? 'exists' : 'does not exist'}`);
    }
    // A link to an example folder counts when a test under test/examples/ runs that example.
    for (const [, name] of `${area} ${status}`.matchAll(/\]\(examples\/([a-z0-9-]+)\//g)) {
      checked++;
      if (!exampleTested(name as string)) wrong.push(`${area}: examples/${name} is missing or no test in test/examples/ runs it`);
    }
    const counted = /(\d+) of (\d+) packages/.exec(status);
    if (counted) {
      checked++;
      const result = /^- Result: (\d+) of (\d+) packages pass\.$/m.exec(read('docs', 'conformance.md'));
      if (result?.[1] !== counted[1] || result?.[2] !== counted[2]) wrong.push(`${area}: docs/conformance.md says ${result?.[0]}`);
    }
    if (works && checked === 0)
      wrong.push(`${area}: a ✅ row must name (in backticks) an import, flag, export, bin or npm script the test can check`);
  }
  assert.deepEqual(wrong, []);
});

test("the README's TypeScript snippets type-check against dialtone's API", () => {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  assert.ok(blocks.length > 0, 'README has ```ts blocks');
  // Inside the repo (build/ is ignored) so that @types/node resolves.
  const dir = join(repoRoot, 'build', 'readme-snippets');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const index = relative(dir, join(repoRoot, 'src', 'index.ts'));
  const files = blocks.map((code, i) => {
    const file = join(dir, `snippet-${i}.ts`);
    writeFileSync(file, `${code.replaceAll("from 'dialtone'", `from '${index}'`)}\nexport {};\n`);
    return file;
  });
  const config = ts.readConfigFile(join(repoRoot, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
  const program = ts.createProgram(files, options);
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && files.includes(d.file.fileName))
    .map((d) => `${relative(repoRoot, d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(problems, []);
});

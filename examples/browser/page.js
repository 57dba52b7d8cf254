// Runs the guest the query names (or the bundled fetch.wasm) with dialtone's
// browser bundle, which the relay serves at /_dialtone/. See README.md.
import { run } from '/_dialtone/dialtone.browser.js';

const query = new URLSearchParams(location.search);
const explicit = query.has('wasm');
// Any site can link here, so a query may only name things of this page's own
// host: its modules, its relay, a report URL on the same machine. Output
// never leaves for elsewhere.
const sameHost = (url) => url.hostname === location.hostname;
const refuse = (what, url) => {
  throw new Error(`${what} ${url} is not on this page's host (${location.hostname}); a link from another site cannot choose it`);
};
const wasm = new URL(query.get('wasm') ?? 'fetch.wasm', location.href);
// The bundled example fetches this page's own hello.txt through the relay.
const args = explicit ? query.getAll('arg') : [new URL('hello.txt', location.href).href];
const relay = query.get('relay') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
// As on Node, nothing is reachable unless allowed; the bundled example may reach this page's origin.
// allow-listen: where the guest may listen (at the relay, which must allow it too: dialtone relay --allow-listen).
const rules = (name) => {
  const v = query.get(name);
  return v === null ? undefined : v === '' ? true : v.split(',');
};
const allowNet = rules('allow-net') ?? (explicit ? undefined : [location.host]);
const allowListen = rules('allow-listen');
const policy =
  allowNet === undefined && allowListen === undefined
    ? undefined
    : { ...(allowNet === undefined ? {} : { allowNet }), ...(allowListen === undefined ? {} : { allowListen }) };
const env = Object.fromEntries(
  query
    .getAll('env')
    .filter((e) => e.indexOf('=') > 0)
    .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
);

const el = (id) => document.getElementById(id);
el('module').textContent = wasm.pathname.split('/').pop();
el('args').textContent = args.join(' ');
const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };
const text = { stdout: '', stderr: '' };
const sink = (name) => (chunk) => {
  const s = decoder[name].decode(chunk, { stream: true });
  text[name] += s;
  el(name).textContent += s;
};

let result;
try {
  if (wasm.origin !== location.origin) refuse('the module', wasm);
  if (!sameHost(new URL(relay))) refuse('the relay', relay);
  el('status').textContent = 'running';
  const { exitCode } = await run(wasm, {
    args,
    env,
    stdio: { stdout: sink('stdout'), stderr: sink('stderr') },
    net: { relay, policy },
  });
  result = { exitCode, stdout: text.stdout, stderr: text.stderr };
  el('status').textContent = `exited with code ${exitCode}`;
} catch (err) {
  result = { exitCode: null, stdout: text.stdout, stderr: text.stderr, error: `${err.code ?? err.name}: ${err.message}` };
  el('status').textContent = `failed: ${result.error}`;
}
window.dialtone = { result };
// For automation without a driver (e.g. Firefox in tests): ?report=URL receives the result.
const report = query.get('report');
if (report !== null && sameHost(new URL(report, location.href)))
  await fetch(report, { method: 'POST', mode: 'no-cors', body: JSON.stringify(result) }).catch(() => {});

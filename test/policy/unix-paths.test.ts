import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UnixEndpoint } from '../../src/netdev/endpoint.ts';
import { RulePolicy } from '../../src/policy/index.ts';

const unix = (path: string): UnixEndpoint => ({ kind: 'unix', path });

test('a path entry allows that socket and everything below it, nothing beside it', () => {
  const p = new RulePolicy({ allowNet: ['/run/app', '/tmp/one.sock'] });
  const ok = (path: string): boolean => p.check('connect', unix(path)).allowed;
  assert.equal(ok('/run/app'), true);
  assert.equal(ok('/run/app/x.sock'), true);
  assert.equal(ok('/run/app/deep/er.sock'), true);
  assert.equal(ok('/run/application.sock'), false);
  assert.equal(ok('/run'), false);
  assert.equal(ok('/tmp/one.sock'), true);
  assert.equal(ok('/tmp/one.sock2'), false);
});

test('endpoint paths are normalised before matching, so ".." cannot climb out', () => {
  const p = new RulePolicy({ allowNet: ['/run/app'] });
  assert.equal(p.check('connect', unix('/run/app/../secret.sock')).allowed, false);
  assert.equal(p.check('connect', unix('/run//app/./x.sock')).allowed, true);
});

test('"/" allows every absolute path; relative, unnamed and abstract sockets need * or true', () => {
  const root = new RulePolicy({ allowNet: ['/'] });
  assert.equal(root.check('connect', unix('/any/where')).allowed, true);
  assert.equal(root.check('connect', unix('relative.sock')).allowed, false);
  assert.equal(root.check('connect', unix('')).allowed, false);
  assert.equal(root.check('connect', unix('\0abstract')).allowed, false);
  const star = new RulePolicy({ allowNet: ['*'] });
  assert.equal(star.check('connect', unix('')).allowed, true);
  assert.equal(star.check('connect', unix('relative.sock')).allowed, true);
  const portOnly = new RulePolicy({ allowNet: [':80'] });
  assert.equal(portOnly.check('connect', unix('/x')).allowed, false);
});

test('listening on a path takes an allowListen path entry', () => {
  const p = new RulePolicy({ allowNet: ['/run/app'], allowListen: ['/tmp/srv'] });
  assert.equal(p.check('listen', unix('/tmp/srv/a.sock')).allowed, true);
  assert.equal(p.check('listen', unix('/run/app/a.sock')).allowed, false);
  assert.equal(p.check('connect', unix('/tmp/srv/a.sock')).allowed, false);
});

test('deny path entries win; IP entries never match paths', () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['/var/run/docker.sock', '127.0.0.1'] });
  assert.equal(p.check('connect', unix('/var/run/docker.sock')).allowed, false);
  assert.equal(p.check('connect', unix('/var/run/other.sock')).allowed, true);
});

/** Image references: the registry they point at (for credentials), and digest pinning. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasDigest, pinDigest, registryAuthAddress, registryAuthFor, registryHost } from '../src/index.js';

test('registry host: a first component with a dot, a port, or localhost; Docker Hub otherwise', () => {
  assert.is(registryHost('127.0.0.1:5000/gofer-test/busybox:latest'), '127.0.0.1:5000');
  assert.is(registryHost('registry.example.com/team/app'), 'registry.example.com');
  assert.is(registryHost('ghcr.io/org/img:1'), 'ghcr.io');
  assert.is(registryHost('localhost/app'), 'localhost');
  assert.is(registryHost('team/app:1'), 'docker.io');
  assert.is(registryHost('library/busybox'), 'docker.io');
  assert.is(registryHost('busybox'), 'docker.io');
});

test("auth addresses: the registry's host, Docker Hub by its index URL", () => {
  assert.is(registryAuthAddress('127.0.0.1:5000/gofer-test/busybox:latest'), '127.0.0.1:5000');
  assert.is(registryAuthAddress('busybox:1'), 'https://index.docker.io/v1/');
  assert.equal(registryAuthFor('127.0.0.1:5000/a/b:1', { user: 'u', pass: 'p' }), { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' });
});

test('digests: pinned references are recognised, tags are not', () => {
  const digest = `sha256:${'0'.repeat(64)}`;
  assert.is(pinDigest('a/b:1', digest), `a/b:1@${digest}`);
  assert.ok(hasDigest(pinDigest('a/b:1', digest)));
  assert.not.ok(hasDigest('a/b:1'));
  assert.not.ok(hasDigest('127.0.0.1:5000/a/b'));
});

test.run();

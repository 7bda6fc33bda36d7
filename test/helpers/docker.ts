/**
 * Docker availability for tests. With GOFER_REQUIRE_DOCKER=1 (CI) an unreachable engine is a
 * failure, never a skip. Everything a test creates carries TEST_LABEL and is reaped.
 */
import { request } from 'node:http';
import { waitFor } from './wait-for.js';

export const TEST_IMAGE = process.env.GOFER_TEST_IMAGE ?? 'gofer-test/busybox:latest';
/** The test image on the loopback registry (user gofer / gofer-pass), pushed by scripts/docker-up.sh. */
export const REGISTRY_IMAGE = '127.0.0.1:5000/gofer-test/busybox:latest';
export const REGISTRY_AUTH = { user: 'gofer', pass: 'gofer-pass' };
export const TEST_LABEL = 'gofer.test';

function ping(socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock'): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/**
 * Resolves true when an engine answers. When none does: throws under GOFER_REQUIRE_DOCKER=1,
 * otherwise warns once and resolves false (the caller skips its Docker tests).
 */
export async function dockerAvailable(): Promise<boolean> {
  // A loaded machine can take seconds to answer: retry within a deadline before giving up.
  const answered = await waitFor('the Docker engine to answer', ping, { timeoutMs: 20_000, intervalMs: 500 }).then(
    () => true,
    () => false,
  );
  if (answered) return true;
  const message = 'No Docker engine answers on /var/run/docker.sock. Start one with: bash scripts/docker-up.sh';
  if (process.env.GOFER_REQUIRE_DOCKER === '1') throw new Error(`${message} (GOFER_REQUIRE_DOCKER=1: Docker tests may not skip)`);
  console.warn(`SKIP Docker tests: ${message}`);
  return false;
}

/** True when `inspect` (of a container, a service, ...) finds it; false when the engine answers 404. */
export function presentOnEngine(inspect: Promise<unknown>): Promise<boolean> {
  return inspect.then(
    () => true,
    (err: { statusCode?: number }) => {
      if (err.statusCode === 404) return false;
      throw err;
    },
  );
}

/** The dockerode client for the engine a plugin's settings name, with TLS for TCP hosts. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { GoferError } from '@gofer/core/api';

const require = createRequire(import.meta.url);
let DockerClass: typeof Docker | undefined;

/**
 * dockerode, loaded on the first client. The plugin host imports every installed plugin to read
 * its definition, so a service on another scheduler imported dockerode and its gRPC and SSH
 * stacks for nothing (a sixth of a start-up's CPU, measured); dockerode is CommonJS, so a
 * synchronous require keeps engineClient synchronous.
 */
function dockerClient(options?: Docker.DockerOptions): Docker {
  DockerClass ??= require('dockerode') as typeof Docker;
  return new DockerClass(options);
}

/** Where the engine is: the connection keys of a plugin's settings. */
export interface EngineConnection {
  /** Unix socket of the engine. Wins over `host`. */
  socketPath?: string;
  /**
   * The engine's address: `tcp://host:2376`, `http://` or `https://host:port`, `ssh://user@host`,
   * `unix:///path/docker.sock`, or a bare host name (then `port` and `protocol` say the rest).
   */
  host?: string;
  /** The TCP port when `host` names none: default 2376 with TLS, 2375 without. */
  port?: number;
  /** For a bare `host`: default `https` when a `certPath` is known, else `http`. */
  protocol?: 'http' | 'https';
  /** Folder holding `ca.pem`, `cert.pem` and `key.pem` for TLS to a TCP host. Default: DOCKER_CERT_PATH. */
  certPath?: string;
}

/** A client and the engine's address as messages show it. */
export interface EngineClient {
  docker: Docker;
  address: string;
}

/**
 * `socketPath` wins, then `host`, then dockerode's own defaults (DOCKER_HOST, DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH, else the local socket). A TCP host uses TLS when its scheme is `https`, its
 * protocol says so, or a cert folder is known; the cert folder's files are read here, so a
 * missing one fails at start-up with the path to fix.
 */
export function engineClient(connection: EngineConnection, env: NodeJS.ProcessEnv = process.env): EngineClient {
  const { socketPath, host } = connection;
  if (socketPath) return { docker: dockerClient({ socketPath }), address: `unix://${socketPath}` };
  if (!host) return { docker: dockerClient(), address: env.DOCKER_HOST ?? 'unix:///var/run/docker.sock' };
  const certPath = connection.certPath ?? env.DOCKER_CERT_PATH;
  if (!host.includes('://')) {
    const protocol = connection.protocol ?? (certPath ? 'https' : 'http');
    const port = connection.port ?? (protocol === 'https' ? 2376 : 2375);
    return { docker: dockerClient(tcpOptions(host, port, protocol, certPath)), address: `${protocol}://${host}:${port}` };
  }
  const url = new URL(host);
  if (url.protocol === 'unix:') return { docker: dockerClient({ socketPath: url.pathname }), address: host };
  if (url.protocol === 'ssh:') {
    return { docker: dockerClient({ protocol: 'ssh', host: url.hostname, port: Number(url.port || 22), username: url.username || undefined }), address: host };
  }
  const protocol = url.protocol === 'https:' || (url.protocol === 'tcp:' && certPath !== undefined) ? 'https' : 'http';
  const port = Number(url.port || connection.port || (protocol === 'https' ? 2376 : 2375));
  return { docker: dockerClient(tcpOptions(url.hostname, port, protocol, certPath)), address: host };
}

function tcpOptions(host: string, port: number, protocol: 'http' | 'https', certPath: string | undefined): Docker.DockerOptions {
  const options: Docker.DockerOptions = { protocol, host, port };
  if (protocol === 'https' && certPath) Object.assign(options, readTlsFiles(certPath));
  return options;
}

function readTlsFiles(certPath: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const read = (file: string) => {
    const path = join(certPath, file);
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new GoferError(
        'ERR_PLUGIN_SETTINGS_INVALID',
        `Cannot read the TLS file ${path} (${(cause as Error).message}). The folder named by "certPath" (or DOCKER_CERT_PATH) must hold ca.pem, cert.pem and key.pem.`,
        { cause, details: { certPath, file } },
      );
    }
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

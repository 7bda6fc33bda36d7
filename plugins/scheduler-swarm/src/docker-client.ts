/** The dockerode client for the swarm manager named by the settings. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { SwarmSettings } from './settings.js';

/** A client and a human-readable address for messages. */
export interface ManagerClient {
  docker: Docker;
  address: string;
}

/**
 * `socketPath` wins, then `host` (`tcp://`, `https://`, `ssh://`, `unix://`), then dockerode's own
 * defaults: DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, else the local socket.
 */
export function managerClient(settings: Pick<SwarmSettings, 'socketPath' | 'host' | 'certPath'>): ManagerClient {
  if (settings.socketPath) return { docker: new Docker({ socketPath: settings.socketPath }), address: `unix://${settings.socketPath}` };
  if (settings.host) {
    const url = new URL(settings.host);
    if (url.protocol === 'unix:') return { docker: new Docker({ socketPath: url.pathname }), address: settings.host };
    if (url.protocol === 'ssh:') {
      return { docker: new Docker({ protocol: 'ssh', host: url.hostname, port: Number(url.port || 22), username: url.username || undefined }), address: settings.host };
    }
    const certPath = settings.certPath ?? process.env.DOCKER_CERT_PATH;
    const tls = url.protocol === 'https:' || certPath !== undefined;
    const options: Docker.DockerOptions = { protocol: tls ? 'https' : 'http', host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)) };
    if (tls && certPath) {
      options.ca = readFileSync(join(certPath, 'ca.pem'));
      options.cert = readFileSync(join(certPath, 'cert.pem'));
      options.key = readFileSync(join(certPath, 'key.pem'));
    }
    return { docker: new Docker(options), address: settings.host };
  }
  return { docker: new Docker(), address: process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock' };
}

/**
 * `@gofer/docker-common`: the Docker plumbing Gofer's Docker and Swarm scheduler plugins share.
 * Not a plugin itself (no `gofer` manifest): a library both depend on.
 */
export { engineClient, type EngineClient, type EngineConnection } from './engine-client.js';
export {
  engineFailure,
  engineMessage,
  imageError,
  isNoOp,
  isNotFound,
  isTransportError,
  isUnreachable,
  noSuchObject,
  translateEngineError,
  unavailable,
  type EngineErrorContext,
  type EngineFailure,
  type EngineVocabulary,
} from './engine-errors.js';
export { DOCKER_HUB_HOST, hasDigest, pinDigest, registryAuthAddress, registryHost } from './image-reference.js';
export { pullImage, registryAuthFor, type RegistryAuthConfig } from './registry-auth.js';

/**
 * The swarm scheduler's words for engine failures, and the one answer only a swarm gives (the
 * engine is not a manager); the rules are `@gofer/docker-common`'s.
 */
import { GoferError } from '@gofer/core/api';
import {
  engineFailure,
  engineMessage,
  imageError as commonImageError,
  translateEngineError,
  type EngineErrorContext,
  type EngineVocabulary,
} from '@gofer/docker-common';

export { engineMessage, isNotFound, noSuchObject } from '@gofer/docker-common';

const NOT_IN_SWARM = /not a swarm manager|not part of a swarm|swarm is not initialized|This node is not/i;

/** The engine answers but is not a swarm manager: say how to make it one. */
export function notASwarm(ctx: EngineErrorContext, cause: unknown): GoferError {
  return new GoferError(
    'ERR_SCHEDULER_UNAVAILABLE',
    `The Docker engine at ${ctx.engine} is not a swarm manager (${engineMessage(cause)}). ` +
      "Start a swarm with `docker swarm init --advertise-addr <this machine's address>` (one machine: `docker swarm init --advertise-addr 127.0.0.1`), " +
      'or point the swarm scheduler\'s "host"/"socketPath" setting at a manager of an existing swarm.',
    { cause, details: { engine: ctx.engine } },
  );
}

export const SWARM: EngineVocabulary = {
  subject: 'The swarm',
  object: 'service',
  unreachableFix: 'Start the engine, or set the swarm scheduler\'s "host"/"socketPath" setting (or DOCKER_HOST) to a swarm manager.',
  missingImage: 'could not be found on its registry',
  missingImageFix: 'Swarm nodes pull images from a registry: push it there (a local-only image cannot run on a swarm).',
  recognise: (err, ctx) => (engineFailure(err).statusCode === 503 || NOT_IN_SWARM.test(engineMessage(err)) ? notASwarm(ctx, err) : undefined),
};

/** A registry answer about an image, as ERR_REGISTRY_AUTH or ERR_NO_SUCH_IMAGE. */
export function imageError(image: string, cause: unknown): GoferError {
  return commonImageError(SWARM, image, cause);
}

/** Translates any failure of an engine call. Gofer errors pass through unchanged. */
export function translateSwarmError(err: unknown, ctx: EngineErrorContext, operation: string): GoferError {
  return translateEngineError(SWARM, err, ctx, operation);
}

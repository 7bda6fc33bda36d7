/** The Docker scheduler's words for engine failures; the rules are `@gofer/docker-common`'s. */
import type { GoferError } from '@gofer/core/api';
import { translateEngineError as translate, type EngineErrorContext, type EngineVocabulary } from '@gofer/docker-common';

export { engineFailure, engineMessage, isNoOp, isNotFound, type EngineErrorContext as ErrorContext } from '@gofer/docker-common';

export const DOCKER_ENGINE: EngineVocabulary = {
  subject: 'The Docker engine',
  object: 'container',
  unreachableFix: 'Start one with `bash scripts/docker-up.sh`, or point the docker scheduler\'s "socketPath"/"host" setting at a running engine.',
  missingImage: 'does not exist locally and could not be pulled',
};

/** Translates any failure of an engine call. Gofer errors pass through unchanged. */
export function translateEngineError(err: unknown, ctx: EngineErrorContext, operation: string): GoferError {
  return translate(DOCKER_ENGINE, err, ctx, operation);
}

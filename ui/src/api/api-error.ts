/** An answer of the API that is not a success, with the service's stable error code when it sent one. */
import type { ErrorCode } from './types';

export class GoferApiError extends Error {
  override readonly name = 'GoferApiError';

  constructor(
    /** HTTP status; 0 when the service could not be reached. */
    readonly status: number,
    /** The service's code (`ERR_NOT_FOUND`, ...), or `ERR_NETWORK` / `ERR_HTTP` when it sent none. */
    readonly code: ErrorCode | 'ERR_NETWORK' | 'ERR_HTTP',
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** Builds the error from a failed response's parsed body (`{ error: { code, message, details } }`). */
  static from(status: number, body: unknown): GoferApiError {
    const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    if (error && typeof error.code === 'string' && typeof error.message === 'string') {
      const details = typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : {};
      return new GoferApiError(status, error.code as ErrorCode, error.message, details);
    }
    return new GoferApiError(status, 'ERR_HTTP', `The service answered HTTP ${status}.`);
  }
}

export const isUnauthenticated = (err: unknown): boolean => err instanceof GoferApiError && err.status === 401;

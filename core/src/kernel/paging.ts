/** Checks of the paging options the list calls take (the typed API is called with no schema in front of it). */
import { GoferError, PAGE_LIMITS } from '../api/index.js';

/** The page size to use: `limit` when given (a positive integer up to the list's maximum), else the default. */
export function pageLimit(list: keyof typeof PAGE_LIMITS, limit: number | undefined): number {
  const { default: fallback, max } = PAGE_LIMITS[list];
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new GoferError('ERR_INVALID_ARGUMENT', `The limit of a ${list} page must be an integer from 1 to ${max}; got ${String(limit)}.`, {
      details: { field: 'limit', max },
    });
  }
  return limit;
}

/** A numeric cursor (`before`/`after`): a non-negative integer when given. */
export function numericCursor(field: 'before' | 'after', value: number | undefined): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new GoferError('ERR_INVALID_ARGUMENT', `The cursor \`${field}\` must be a non-negative integer; got ${String(value)}.`, { details: { field } });
  }
  return value;
}

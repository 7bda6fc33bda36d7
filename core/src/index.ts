/**
 * `@gofer/core`: the public API (contracts, SDK) and `createGofer`, the entry point for host apps.
 */
import 'reflect-metadata';

export * from './api/index.js';

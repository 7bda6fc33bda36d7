// The plugin API: see @gofer/core/api.
export * from '@gofer/core/api';

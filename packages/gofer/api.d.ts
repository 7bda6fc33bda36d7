export * from '@gofer/core/api';

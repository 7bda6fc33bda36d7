export * from '@gofer/core';

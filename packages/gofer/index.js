// Everything a host application needs: see @gofer/core.
export * from '@gofer/core';

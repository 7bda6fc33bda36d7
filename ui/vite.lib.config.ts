// The library entry a host app imports (`@gofer/ui`): the views and hooks, with React and
// TanStack Query left to the host (one copy of each in the host's bundle).
import react from '@vitejs/plugin-react';
import { defineConfig, esmExternalRequirePlugin } from 'vite';

const external = [/^react(\/|$)/, /^react-dom(\/|$)/, /^@tanstack\/react-query(\/|$)/];

export default defineConfig({
  // Bundled CommonJS dependencies (use-sync-external-store, under React Flow's store) call
  // require('react'): turn those into imports, since a browser bundle has no require.
  plugins: [react(), esmExternalRequirePlugin({ external })],
  publicDir: false,
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    lib: { entry: 'src/lib/index.ts', formats: ['es'], fileName: () => 'index.js', cssFileName: 'gofer-ui' },
  },
});

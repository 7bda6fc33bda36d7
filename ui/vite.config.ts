// The standalone web UI the service serves at `/`: dist/index.html and dist/assets/ (hashed names).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true, // the library build then writes dist/lib beside it
    assetsDir: 'assets',
    sourcemap: true,
    target: 'es2022',
    // The service's Content-Security-Policy allows no inline script or style: keep everything in files.
    assetsInlineLimit: 0,
  },
  server: {
    // `npm run dev -w ui` against a service on 127.0.0.1:8080 (GOFER_URL overrides).
    proxy: { '/api': { target: process.env.GOFER_URL ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});

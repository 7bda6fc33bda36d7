// The host app's build. In development, /api/ goes to a Gofer service (GOFER_URL, default
// http://127.0.0.1:8080); in production, serve dist/ and the service behind one origin.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // One chunk for the whole example (Gofer's views included): it is a demo, not a budget.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': { target: process.env.GOFER_URL ?? 'http://127.0.0.1:8080' } } },
});

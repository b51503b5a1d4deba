import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The portal is served by docketd as static files; in development Vite
// proxies the API (and its Server-Sent Events stream) to a running docketd.
const backend = process.env.DOCKET_API ?? 'http://127.0.0.1:8080';

// The policy docketd applies to the portal; `npm run preview` serves the
// built files under it so a CSP violation shows up before deployment.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: false },
    },
  },
  preview: {
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
    proxy: {
      '/api': { target: backend, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
    // No inline scripts or data: modules: everything is a hashed file so a
    // strict Content-Security-Policy (script-src 'self') holds.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});

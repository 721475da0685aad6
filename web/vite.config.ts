import { defineConfig } from 'vite';

// The portal is served by `latchkey serve` itself (same origin as the API) under a
// Content-Security-Policy without 'unsafe-inline': nothing may be inlined into
// index.html, and every asset gets a content-hashed name under /assets/.
export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: process.env.LATCHKEY_PORTAL_OUT || 'dist',
    emptyOutDir: true,
    target: 'es2020',
    assetsInlineLimit: 0,          // no data: URLs for assets
    modulePreload: { polyfill: false },
    reportCompressedSize: false,   // scripts/bundle-size.mjs measures it
    sourcemap: false,
  },
});

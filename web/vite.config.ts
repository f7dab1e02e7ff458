// Vite builds the console into hashed files under /assets/ that signetd embeds
// (scripts/build-console.sh). `npm run dev` serves it with hot reload and forwards /api to a
// signetd on 127.0.0.1:8080 (`make run`).
import { defineConfig } from 'vite';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2022',
    // No inline code anywhere: the console's Content-Security-Policy allows scripts and styles
    // from 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});

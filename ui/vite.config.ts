/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The Tauri shell embeds `dist/` and serves it from its own origin, so every URL is relative.
// Targets: WKWebView / WebKitGTK (Safari 16+) and WebView2 (Chromium 105+).
export default defineConfig({
  base: './',
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: ['es2022', 'safari16', 'chrome105'],
    cssTarget: ['safari16', 'chrome105'],
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/setup.ts'],
  },
});

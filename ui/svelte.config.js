import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/vite-plugin-svelte').SvelteConfig} */
export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    runes: true,
    discloseVersion: false,
    // Scoping classes appear on every styled element of every template: keep them short.
    cssHash: ({ hash, css }) => `s${hash(css)}`,
  },
};

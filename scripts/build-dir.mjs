// Where the static site is written and served from: build/, or SHELF_BUILD_DIR (e.g. the bench's own
// build-bench/, a helper's build-<name>/). One definition for svelte.config.js, vite.config.ts and serve.mjs.
export const buildDir = process.env.SHELF_BUILD_DIR ?? 'build';

// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {}
	/** The build's version label (vite.config.ts `buildLabel`). */
	const __SHELF_BUILD__: string;
}

export {};

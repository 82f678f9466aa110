// The app's Content-Security-Policy, in one place. SvelteKit writes it (with the hashes of its inline
// bootstrap script) into the built index.html as <meta http-equiv>; scripts/serve.mjs reads it back
// from there and sends the identical policy as a response header, which is what also covers the
// service worker and the module workers (a <meta> policy applies to the document only).
//
// - 'wasm-unsafe-eval': hash-wasm (SHA-256, CRC-32) and xz-decompress compile WebAssembly; no JS eval.
// - style-src 'self': Svelte sets dynamic styles through CSSOM (allowed); our markup has no style
//   attributes. The one Kit writes itself (its visually hidden route announcer) is allowed by its hash
//   alone ('unsafe-hashes' applies to exactly that text); without it the announcer shows on screen.
// - img-src data: blob:: icons and object URLs of stored files.
// - connect-src: 'self', plus where OCI registries live, since the user types a registry's address at run
//   time (issue 9): any https origin, and plain http on this machine only. The app itself fetches nothing
//   from anywhere (no telemetry, no CDN; tested). A team can pin its own registry (and its token service)
//   at build time: SHELF_CONNECT_SRC="https://registry.acme.dev https://auth.acme.dev" npm run build.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The hash of the style attribute of Kit's route announcer, read from Kit's own source so that an
 * upgrade that changes it updates the policy (and a build against an unknown layout fails loudly).
 */
function kitAnnouncerStyleHash() {
	// Kit's package.json exports no such subpath: find the package folder, then the file in it.
	const kitDir = dirname(createRequire(import.meta.url).resolve('@sveltejs/kit/package.json'));
	const source = readFileSync(join(kitDir, 'src/core/sync/write_root.js'), 'utf8');
	const style = /id="svelte-announcer"[^>]*\sstyle="([^"]+)"/.exec(source)?.[1];
	if (!style) throw new Error('csp.config.js: cannot find the style of SvelteKit\'s route announcer in write_root.js');
	return `sha256-${createHash('sha256').update(style).digest('base64')}`;
}

const registrySources = process.env.SHELF_CONNECT_SRC?.trim()
	? process.env.SHELF_CONNECT_SRC.trim().split(/\s+/)
	: ['https:', 'http://localhost:*', 'http://127.0.0.1:*'];

/** @type {import('@sveltejs/kit').Config['kit']['csp']} */
export const csp = {
	mode: 'hash',
	directives: {
		'default-src': ['self'],
		'script-src': ['self', 'wasm-unsafe-eval'],
		'worker-src': ['self'],
		'connect-src': ['self', ...registrySources],
		'img-src': ['self', 'data:', 'blob:'],
		'style-src': ['self', 'unsafe-hashes', kitAnnouncerStyleHash()],
		'font-src': ['self'],
		'manifest-src': ['self'],
		'frame-src': ['none'],
		'object-src': ['none'],
		'base-uri': ['self'],
		'form-action': ['self']
	}
};

// Native peers timed in the same repetitions as the browser figures (issue 21): what a user of a native
// tool sees on this machine. Debian's `unzip` + `sha256sum` of the same bundle (a reference row for import,
// not a target) and Debian's `skopeo` copying the same bytes between an OCI layout on disk and a registry
// (the peer the shelf's push and pull are judged against).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installDebianPackages } from '../scripts/ensure-tools.mjs';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Installs unzip and skopeo from Debian when missing (the checkers of scripts/ensure-tools.mjs install them too). */
export function ensureNativeTools() {
	const missing = ['unzip', 'skopeo', 'sha256sum'].filter((tool) => !existsSync(`/usr/bin/${tool}`));
	if (missing.includes('sha256sum')) throw new Error('sha256sum (coreutils) is missing.');
	if (missing.length > 0) installDebianPackages(missing, 'the native peers of the bench (unzip, skopeo)');
}

/**
 * Times `unzip` of a bundle into a new folder under `parent` and `sha256sum` of every file it wrote, then
 * deletes the folder. The page cache holds what was written (no fsync), as after any native unzip.
 * @returns {Promise<number>} milliseconds
 */
export async function timeUnzipHash(zipPath, parent) {
	mkdirSync(parent, { recursive: true });
	const dir = mkdtempSync(join(parent, 'unzip-'));
	try {
		const script = 'unzip -q "$1" -d "$2" && find "$2" -type f -print0 | xargs -0 sha256sum > /dev/null';
		return await timed('sh', ['-c', script, 'unzip-hash', zipPath, dir]);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/**
 * An OCI image layout holding one image whose one layer is `payload` (hard-linked: same bytes, same size),
 * tagged `tag`. An uncompressed tar layer type with `--preserve-digests`, so skopeo sends the bytes as they
 * are (without it, skopeo would gzip them on the way, which the shelf does not do either).
 * @returns {Promise<{ dir: string, tag: string, layer: string }>} `layer`: the layer's digest
 */
export async function makeOciLayout(payload, parent, tag = 'v1') {
	const dir = mkdtempSync(join(parent, 'oci-'));
	const blobs = join(dir, 'blobs', 'sha256');
	mkdirSync(blobs, { recursive: true });
	const blob = (bytes) => {
		const hex = createHash('sha256').update(bytes).digest('hex');
		writeFileSync(join(blobs, hex), bytes);
		return { digest: `sha256:${hex}`, size: bytes.byteLength };
	};
	const layerHex = await sha256File(payload);
	linkSync(payload, join(blobs, layerHex));
	const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerHex}`, size: statSync(payload).size };
	const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
	const manifest = blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: [layer] })));
	writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
	writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
	return { dir, tag, layer: layer.digest };
}

/**
 * Times `skopeo copy` of the layout's image to `registryUrl/repository:tag` (plain HTTP on 127.0.0.1).
 * @returns {Promise<number>} milliseconds
 */
export function timeSkopeoPush(layout, registryUrl, repository) {
	const target = `docker://${new URL(registryUrl).host}/${repository}:${layout.tag}`;
	return timed('skopeo', ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout.dir}:${layout.tag}`, target]);
}

/**
 * Times `skopeo copy` of the layout's image back from `registryUrl/repository` into a new OCI layout under
 * `parent` (deleted after, once its layer is there under the payload's digest: skopeo checked the bytes).
 * @returns {Promise<number>} milliseconds
 */
export async function timeSkopeoPull(layout, registryUrl, repository, parent) {
	const { tag, layer } = layout;
	mkdirSync(parent, { recursive: true });
	const dir = mkdtempSync(join(parent, 'oci-pulled-'));
	try {
		const source = `docker://${new URL(registryUrl).host}/${repository}:${tag}`;
		const ms = await timed('skopeo', ['copy', '--quiet', '--preserve-digests', '--src-tls-verify=false', '--dest-oci-accept-uncompressed-layers', source, `oci:${dir}:${tag}`]);
		if (!existsSync(join(dir, 'blobs', 'sha256', layer.replace('sha256:', '')))) throw new Error(`skopeo pulled no layer ${layer}.`);
		return ms;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** Wall time of one command, from spawn to exit (a failure throws with its stderr). */
function timed(command, args) {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		execFile(command, args, { maxBuffer: 16 << 20 }, (error, _stdout, stderr) => {
			const ms = performance.now() - started;
			if (error) reject(new Error(`${command} ${args.slice(0, 2).join(' ')} failed: ${stderr || error.message}`));
			else resolve(ms);
		});
	});
}

function sha256File(path) {
	return new Promise((resolve, reject) => {
		const hash = createHash('sha256');
		createReadStream(path)
			.on('data', (chunk) => hash.update(chunk))
			.on('error', reject)
			.on('end', () => resolve(hash.digest('hex')));
	});
}

// Push and pull of one version through a real registry on this machine (CNCF Distribution, started as in
// the tests by scripts/registry.mjs), against the raw OPFS baselines measured in the same repetition:
// push reads from OPFS (read+hash baseline), pull writes into it (write+hash baseline). Then a second
// version sharing the big file: how many bytes its push sends. Issue 19: the same payload pulled as a CNCF
// ModelPack artifact (the shelf's own ModelPack push) and as a KitOps ModelKit whose one layer is tar+zstd
// (made here with Debian's tar and zstd, pushed from Node), both against the write+hash baseline.
// Issue 21: in each repetition Debian's skopeo copies the same bytes from an OCI layout on disk to a fresh
// registry and back (bench/native.mjs): push and pull are judged against it (`peerSamples`, `peerRatio`).
// The pusher and every puller run in a persistent profile of their own (bench/persistent.mjs).
import { installDebianPackages } from '../scripts/ensure-tools.mjs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ensureRegistry, startRegistry } from '../scripts/registry.mjs';
import { makeOciLayout, timeSkopeoPull, timeSkopeoPush } from './native.mjs';
import { baseline, openApp, pickFiles, timedCall } from './page.mjs';
import { withProfile } from './persistent.mjs';
import { profiled } from './profile.mjs';

/** Issue 21: push and pull at least 0.9 of a native client's speed (skopeo's time ÷ the shelf's). */
const PEER_TARGET = { minPeerRatio: 0.9 };

/**
 * @param {object} env `{ url, log, executablePath, profileParent }`
 * @param {object} options `{ registrySize, reps, dataDir, profile }`
 * @param {string} payload a file of `options.registrySize` random bytes
 */
export function runRegistry(env, options, payload) {
	return withProfile(env, ({ context, workers }) => registryIn(context, workers, env, options, payload));
}

async function registryIn(context, workers, env, options, payload) {
	const { url, log } = env;
	const size = options.registrySize;
	const bin = ensureRegistry();
	let registry = await startRegistry({ origin: url, bin });
	const page = await context.newPage();
	const rows = {
		push: { id: 'registry-push', label: 'push to a local registry', size, bytes: size, samples: [], baselineSamples: [], peerSamples: [], compare: 'read', target: PEER_TARGET },
		pull: { id: 'registry-pull', label: 'pull from a local registry', size, bytes: size, samples: [], baselineSamples: [], peerSamples: [], compare: 'write', target: PEER_TARGET },
		skopeoPush: { id: 'registry-push-skopeo', label: 'peer: skopeo copy OCI layout → registry', size, bytes: size, samples: [], baselineSamples: [], compare: 'read' },
		skopeoPull: { id: 'registry-pull-skopeo', label: 'peer: skopeo copy registry → OCI layout', size, bytes: size, samples: [], baselineSamples: [], compare: 'write' },
		modelpack: { id: 'registry-pull-modelpack', label: 'pull a ModelPack artifact', size, bytes: size, samples: [], baselineSamples: [], compare: 'write' },
		kitops: { id: 'registry-pull-kitops-zstd', label: 'pull a KitOps tar+zstd layer', size, bytes: size, samples: [], baselineSamples: [], compare: 'write' },
		// Issue 21: what the browser's network delivers to a worker, the most a pull could reach against skopeo.
		fetchOnly: { id: 'floor-registry-fetch', label: 'floor: fetch the blob only (no write, no hash)', size, bytes: size, samples: [], baselineSamples: [], peerSamples: [], compare: 'write' }
	};
	const kit = _kitLayer(payload);
	const nativeDir = join(options.dataDir, 'native');
	const layout = await makeOciLayout(payload, options.dataDir);
	try {
		await openApp(page, `${url}/`);
		await pickFiles(page, [payload]);
		const saved = await timedCall(page, 'save', { name: 'bench-remote', version: 'v1' }, { file: basename(payload), savePath: 'weights.bin' });
		for (let rep = 1; rep <= options.reps; rep++) {
			log(`Registry repetition ${rep}/${options.reps} at ${size / 2 ** 20} MiB`);
			const write = await baseline(page, 'writeHash', { bytes: size, parallel: true });
			const read = await baseline(page, 'readHash', { bytes: size });
			await baseline(page, 'cleanup', {});
			// A new, empty registry per repetition (not just a namespace: the shelf would mount the blobs from the
			// last one), so every byte is sent.
			if (rep > 1) {
				await registry.close();
				registry = await startRegistry({ origin: url, bin });
			}
			await page.evaluate(({ url, rep }) => window.modelShelf.api.setRemote({ url, namespace: `bench${rep}` }), { url: registry.url, rep });
			const pushed = await timedCall(page, 'push', { tag: saved.result.tag });
			rows.push.samples.push(pushed.ms);
			rows.push.baselineSamples.push(read.ms);
			log(`  push: ${(pushed.ms / 1000).toFixed(2)} s (read+hash baseline ${(read.ms / 1000).toFixed(2)} s)`);

			await withProfile(env, async ({ context: puller }) => {
				const pullPage = await puller.newPage();
				await openApp(pullPage, `${url}/`);
				await pullPage.evaluate(({ url, rep }) => window.modelShelf.api.setRemote({ url, namespace: `bench${rep}` }), { url: registry.url, rep });
				const pulled = await timedCall(pullPage, 'pull', { reference: 'bench-remote:v1' });
				rows.pull.samples.push(pulled.ms);
				rows.pull.baselineSamples.push(write.ms);
				log(`  pull: ${(pulled.ms / 1000).toFixed(2)} s (write+hash baseline ${(write.ms / 1000).toFixed(2)} s)`);
				const fetched = await baseline(pullPage, 'fetchOnly', { url: `${registry.url}/v2/bench${rep}/bench-remote/blobs/${layout.layer}` });
				rows.fetchOnly.samples.push(fetched.ms);
				rows.fetchOnly.baselineSamples.push(write.ms);
				log(`  fetch only: ${(fetched.ms / 1000).toFixed(2)} s in ${fetched.chunks} chunks`);
			});
			await _skopeoPeer({ rows, layout, bin, origin: url, nativeDir, read: read.ms, write: write.ms, log });
			await page.evaluate(({ url, rep }) => window.modelShelf.api.setRemote({ url, namespace: `bench${rep}mp` }), { url: registry.url, rep });
			await page.evaluate((tag) => window.modelShelf.api.push({ tag, format: 'modelpack' }), saved.result.tag);
			await _pushKit(registry, `bench${rep}kit/kit`, kit);
			for (const [row, namespace, reference] of [[rows.modelpack, `bench${rep}mp`, 'bench-remote:v1'], [rows.kitops, `bench${rep}kit`, 'kit:v1']]) {
				await withProfile(env, async ({ context: puller }) => {
					const pullPage = await puller.newPage();
					await openApp(pullPage, `${url}/`);
					await pullPage.evaluate(({ url, namespace }) => window.modelShelf.api.setRemote({ url, namespace }), { url: registry.url, namespace });
					const pulled = await timedCall(pullPage, 'pull', { reference });
					row.samples.push(pulled.ms);
					row.baselineSamples.push(write.ms);
					log(`  ${row.label}: ${(pulled.ms / 1000).toFixed(2)} s (write+hash baseline ${(write.ms / 1000).toFixed(2)} s)`);
				});
			}
		}
		// With --profile, one more push and pull, not timed (the profiler slows the workers): CPU profiles of both.
		const profiles = options.profile ? await _profiledPushPull(env, workers, page, await startRegistry({ origin: url, bin }), saved.result.tag) : [];
		if (options.profile) {
			// Back to the remote the last repetition left set (its ModelPack namespace), where the second version goes.
			await page.evaluate(({ url, namespace }) => window.modelShelf.api.setRemote({ url, namespace }), { url: registry.url, namespace: `bench${options.reps}mp` });
		}
		// The second version: the same weights and one new small file.
		await page.evaluate(async () => {
			const weights = await window.modelShelf.api.readFile({ tag: 'bench-remote:v1', path: 'weights.bin' });
			await window.modelShelf.api.save({ name: 'bench-remote', version: 'v2', files: [{ path: 'weights.bin', data: weights }, { path: 'notes.txt', data: new Blob(['v2']) }] });
		});
		const before = (await registry.requests()).length;
		const second = await page.evaluate(() => window.modelShelf.api.push({ tag: 'bench-remote:v2' }));
		const sent = (await registry.requests()).slice(before).filter((request) => request.method === 'PUT' || request.method === 'PATCH');
		log(`  second version: ${second.uploadedBytes} bytes uploaded, ${second.skippedBytes} already there`);
		return {
			rows: [rows.push, rows.pull, rows.fetchOnly, rows.skopeoPush, rows.skopeoPull, rows.modelpack, rows.kitops],
			profiles,
			secondVersion: { uploadedBytes: second.uploadedBytes, skippedBytes: second.skippedBytes, uploadRequests: sent.length, files: second.files.map((file) => [file.path, file.sent]) }
		};
	} finally {
		await registry.close();
		rmSync(kit, { force: true });
		rmSync(layout.dir, { recursive: true, force: true });
	}
}

/**
 * Push and pull once more under the V8 profiler (the pusher's workers, then a new puller's), through `registry`,
 * new and empty so that every byte is sent (closed after).
 */
async function _profiledPushPull(env, workers, page, registry, tag) {
	const namespace = 'benchprofile';
	try {
		return await _profiledIn(env, workers, page, registry, namespace, tag);
	} finally {
		await registry.close();
	}
}

async function _profiledIn(env, workers, page, registry, namespace, tag) {
	await page.evaluate(({ url, namespace }) => window.modelShelf.api.setRemote({ url, namespace }), { url: registry.url, namespace });
	const push = await profiled(workers, 'push to a local registry', () => page.evaluate((tag) => window.modelShelf.api.push({ tag }), tag));
	const pull = await withProfile(env, async ({ context: puller, workers: pullerWorkers }) => {
		const pullPage = await puller.newPage();
		await openApp(pullPage, `${env.url}/`);
		await pullPage.evaluate(({ url, namespace }) => window.modelShelf.api.setRemote({ url, namespace }), { url: registry.url, namespace });
		return profiled(pullerWorkers, 'pull from a local registry', () => pullPage.evaluate(() => window.modelShelf.api.pull({ reference: 'bench-remote:v1' })));
	});
	return [push.profile, pull.profile];
}

/**
 * skopeo's push then pull of the same bytes through a registry of its own, new and empty like the shelf's
 * (skopeo's blob cache would otherwise mount the layer from an earlier repository instead of sending it).
 */
async function _skopeoPeer({ rows, layout, bin, origin, nativeDir, read, write, log }) {
	const registry = await startRegistry({ origin, bin });
	try {
		const pushMs = await timeSkopeoPush(layout, registry.url, 'peer/model');
		const pullMs = await timeSkopeoPull(layout, registry.url, 'peer/model', nativeDir);
		for (const [row, ms, base, shelf] of [[rows.skopeoPush, pushMs, read, rows.push], [rows.skopeoPull, pullMs, write, rows.pull]]) {
			row.samples.push(ms);
			row.baselineSamples.push(base);
			shelf.peerSamples.push(ms);
		}
		rows.fetchOnly.peerSamples.push(pullMs);
		log(`  skopeo: push ${(pushMs / 1000).toFixed(2)} s, pull ${(pullMs / 1000).toFixed(2)} s`);
	} finally {
		await registry.close();
	}
}

/** The payload as a KitOps model layer: a tar holding `weights.bin`, compressed with zstd -1 (Debian's tar and zstd). */
function _kitLayer(payload) {
	if (!existsSync('/usr/bin/zstd')) installDebianPackages(['zstd'], 'the KitOps bench row (a tar+zstd layer)');
	const tar = `${payload}.kit.tar`;
	execFileSync('tar', ['-cf', tar, '--transform', 's|.*|weights.bin|', '-C', dirname(payload), basename(payload)]);
	execFileSync('/usr/bin/zstd', ['-q', '-f', '-1', '--rm', tar, '-o', `${tar}.zst`]);
	return `${tar}.zst`;
}

/** Pushes a ModelKit (Kitfile config + one tar+zstd model layer) with monolithic uploads, as `repository:v1`. */
async function _pushKit(registry, repository, layerPath) {
	const base = `${registry.directUrl}/v2/${repository}`;
	const upload = async (bytes) => {
		const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
		const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
		const location = new URL(started.headers.get('Location'), registry.directUrl);
		location.searchParams.set('digest', digest);
		const done = await fetch(location, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
		if (done.status !== 201) throw new Error(`Blob upload answered ${done.status}`);
		return { digest, size: bytes.byteLength };
	};
	const config = await upload(Buffer.from(JSON.stringify({ manifestVersion: '1.0.0', package: { name: 'kit' }, model: { name: 'kit', path: 'weights.bin' } })));
	const layer = await upload(readFileSync(layerPath));
	const manifest = {
		schemaVersion: 2,
		mediaType: 'application/vnd.oci.image.manifest.v1+json',
		config: { mediaType: 'application/vnd.kitops.modelkit.config.v1+json', ...config },
		layers: [{ mediaType: 'application/vnd.kitops.modelkit.model.v1.tar+zstd', ...layer }]
	};
	const put = await fetch(`${base}/manifests/v1`, { method: 'PUT', body: JSON.stringify(manifest), headers: { 'Content-Type': manifest.mediaType } });
	if (put.status !== 201) throw new Error(`Manifest PUT answered ${put.status}`);
}

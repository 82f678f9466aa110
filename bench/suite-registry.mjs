// Push and pull of one version through a real registry on this machine (CNCF Distribution, started as in
// the tests by scripts/registry.mjs), against the raw OPFS baselines measured in the same repetition:
// push reads from OPFS (read+hash baseline), pull writes into it (write+hash baseline). Then a second
// version sharing the big file: how many bytes its push sends.
import { basename } from 'node:path';
import { ensureRegistry, startRegistry } from '../scripts/registry.mjs';
import { baseline, openApp, pickFiles, timedCall } from './page.mjs';

/**
 * @param {object} env `{ browser, url, log }`
 * @param {object} options `{ registrySize, reps }`
 * @param {string} payload a file of `options.registrySize` random bytes
 */
export async function runRegistry(env, options, payload) {
	const { browser, url, log } = env;
	const size = options.registrySize;
	const bin = ensureRegistry();
	let registry = await startRegistry({ origin: url, bin });
	const context = await browser.newContext();
	const page = await context.newPage();
	const rows = {
		push: { id: 'registry-push', label: 'push to a local registry', size, bytes: size, samples: [], baselineSamples: [], compare: 'read' },
		pull: { id: 'registry-pull', label: 'pull from a local registry', size, bytes: size, samples: [], baselineSamples: [], compare: 'write' }
	};
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

			const puller = await browser.newContext();
			try {
				const pullPage = await puller.newPage();
				await openApp(pullPage, `${url}/`);
				await pullPage.evaluate(({ url, rep }) => window.modelShelf.api.setRemote({ url, namespace: `bench${rep}` }), { url: registry.url, rep });
				const pulled = await timedCall(pullPage, 'pull', { reference: 'bench-remote:v1' });
				rows.pull.samples.push(pulled.ms);
				rows.pull.baselineSamples.push(write.ms);
				log(`  pull: ${(pulled.ms / 1000).toFixed(2)} s (write+hash baseline ${(write.ms / 1000).toFixed(2)} s)`);
			} finally {
				await puller.close();
			}
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
			rows: [rows.push, rows.pull],
			secondVersion: { uploadedBytes: second.uploadedBytes, skippedBytes: second.skippedBytes, uploadRequests: sent.length, files: second.files.map((file) => [file.path, file.sent]) }
		};
	} finally {
		await context.close();
		await registry.close();
	}
}

// Issue 22, item 3: a pull interrupted by a closed tab or a crashed renderer, at points the fault proxy
// makes deterministic by holding a blob download (before its headers, or mid-body): before any blob, inside
// a large blob, and between blobs. After reopening, the version is absent (never partial), fsck finds no temp
// file and no orphan, verify passes, and pulling again finishes without downloading any blob the shelf held
// whole (counted at the proxy): A and B from rose:v1, and C when the crashed pull had stored it whole (fsck
// keeps it for the pull, from the pull's journal).
import { expect, test, type Browser, type Page } from '@playwright/test';
import { MiB, reopenAndCheck, seededFile, type Attempt } from './fault-helpers.ts';
import { storedBlobs } from './stored-blobs.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from './fault-proxy.ts';
import { appOrigin, useRegistry } from './registry-harness.ts';
import { openShelf, save } from './shelf-page.ts';

const registry = useRegistry();
const SIZE = 3 * MiB;
/** rose:v1 holds A and B; rose:v2 holds A and B again (stored whole before v2's pull starts) and C and D. */
const [A, B, C, D] = [31, 32, 33, 34].map((seed, index) => seededFile(`part-${'abcd'[index]}.bin`, SIZE, seed)) as [ReturnType<typeof seededFile>, ReturnType<typeof seededFile>, ReturnType<typeof seededFile>, ReturnType<typeof seededFile>];
const V1: Attempt = { tag: 'rose:v1', files: [A, B] };
const V2: Attempt = { tag: 'rose:v2', files: [A, B, C, D] };
const blobPath = (file: { sha256: string }) => new RegExp(`^/v2/team/rose/blobs/sha256:${file.sha256}$`);

let proxy: FaultProxy;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
	proxy = await startFaultProxy(registry(), appOrigin());
	const seed = await browser.newContext();
	const page = await seed.newPage();
	await openShelf(page);
	await page.evaluate((url) => window.modelShelf!.api.setRemote({ url, namespace: 'team' }), registry().url);
	for (const { tag, files } of [V1, V2]) {
		const [name, version] = tag.split(':') as [string, string];
		await save(page, { name, version, creationTime: version === 'v1' ? '2025-01-01T00:00:00+00:00' : '2025-02-01T00:00:00+00:00', files: files.map(({ path, size, seed }) => ({ path, size, seed })) });
		expect(await page.evaluate((tag) => window.modelShelf!.api.push({ tag }), tag)).toMatchObject({ status: 'pushed' });
	}
	await seed.close();
});
const tally = { tried: 0, absent: 0 };
test.afterAll(async () => {
	console.log(`pull kill points: ${tally.tried} tried, ${tally.absent} ended with the version absent and pulled again whole`);
	await proxy?.close();
});
test.afterEach(() => proxy.clear());

/** A fresh profile that pulled rose:v1 through the proxy (no faults), so A and B are stored whole. */
async function shelfWithV1(browser: Browser) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await openShelf(page);
	await page.evaluate((url) => window.modelShelf!.api.setRemote({ url, namespace: 'team' }), proxy.url);
	expect(await page.evaluate(() => window.modelShelf!.api.pull({ reference: 'rose:v1' }))).toMatchObject({ status: 'created' });
	return { context, page };
}

/** Starts pulling rose:v2 in the page without waiting for it. */
async function startPull(page: Page) {
	await page.evaluate(() => void window.modelShelf!.api.pull({ reference: 'rose:v2' }).catch(() => undefined));
}

/** Ends the tab the hard way: a renderer crash (workers die mid-write), or a closed tab. */
async function kill(page: Page, how: 'crash' | 'close') {
	if (how === 'close') return page.close();
	const crashed = page.waitForEvent('crash');
	void (await page.context().newCDPSession(page)).send('Page.crash').catch(() => undefined);
	await crashed;
	await page.close();
}

const layerGets = (from: number) =>
	proxy
		.requests()
		.slice(from)
		.filter((request) => request.method === 'GET' && [A, B, C, D].some((file) => blobPath(file).test(request.path)));

/** The point of the pull at which the tab dies: rules that hold it there, and what must have happened first. */
const points: { name: string; how: 'crash' | 'close'; rules: FaultRule[]; before?: (page: Page) => Promise<void>; storedWhole: (typeof C)[] }[] = [
	{ name: 'before any blob arrived', how: 'close', rules: [C, D].map((file) => ({ method: 'GET', path: blobPath(file), fault: { kind: 'stall' } })), storedWhole: [] },
	{ name: 'inside a large blob (1 MiB of C sent)', how: 'crash', rules: [{ method: 'GET', path: blobPath(C), fault: { kind: 'stall', afterBytes: MiB } }], storedWhole: [] },
	{
		name: 'between blobs (C whole, D not started)',
		how: 'crash',
		rules: [{ method: 'GET', path: blobPath(D), fault: { kind: 'stall' } }],
		// C stored whole (its blob in place, the version not committed: D is held) before the crash.
		before: (page) => expect.poll(async () => (await storedBlobs(page)).includes(C.sha256)).toBe(true),
		storedWhole: [C]
	}
];

for (const point of points) {
	test(`a pull killed ${point.name} (${point.how}) leaves no partial version or temp file, and pulling again finishes reusing every blob stored whole`, async ({ browser }) => {
		const shelf = await shelfWithV1(browser);
		try {
			const heldBefore = proxy.heldCount();
			for (const rule of point.rules) proxy.add(rule);
			await startPull(shelf.page);
			await proxy.held(heldBefore + 1);
			await point.before?.(shelf.page);
			await kill(shelf.page, point.how);
			proxy.clear();

			tally.tried++;
			// C and D download in parallel: besides what the point makes certain, the other may have finished too.
			const { page, committed } = await reopenAndCheck(shelf.context, [V1, V2], point.name, [C.sha256, D.sha256]);
			expect(committed).toEqual(['rose:v1']);
			const stored = await storedBlobs(page);
			const kept = [C, D].filter((file) => stored.includes(file.sha256)).map((file) => file.sha256);
			for (const file of point.storedWhole) expect(kept, `${point.name}: stored whole before the kill`).toContain(file.sha256);
			const from = proxy.requests().length;
			expect(await page.evaluate(() => window.modelShelf!.api.pull({ reference: 'rose:v2' }))).toMatchObject({ status: 'created', skippedBytes: (2 + kept.length) * SIZE });
			// A and B were on the shelf whole, and so was C when the crashed pull had stored it: never asked for. The rest once each.
			const fetched = [C, D].filter((file) => !kept.includes(file.sha256));
			expect(layerGets(from).map((request) => request.path).sort()).toEqual(fetched.map((file) => `/v2/team/rose/blobs/sha256:${file.sha256}`).sort());
			await reopenAndCheck(shelf.context, [V1, V2], `${point.name}, pulled again`);
			tally.absent++;
		} finally {
			await shelf.context.close();
		}
	});
}

// The catalogue at scale: many versions over many names, then the app's real worker API timed on it
// (list pages, selector, search, latest, delete), cold start to the first rendered row, and the same
// start with the network off (service worker only).
import { baseline, openApp, startBreakdown, timedCall, watchFirstRow } from './page.mjs';
import { profiled } from './profile.mjs';

// Issue 21: queries are judged on their p95, not their median.
const QUERY_TARGET = { maxP95Ms: 50 };
/** At least this many timed calls per query, so that its p95 is not simply its slowest call. */
const P95_REPS = 40;
/** The first row of the Models table (src/routes/VersionTable.svelte); the fallback survives a markup change. */
const ROW = 'tr[data-testid="version-row"], table tbody tr';
const SELECTOR = 'stage=production,team in (nlp,cv)';

/**
 * @param {object} env `{ url, log, workers }`
 * @param {object} options `{ versions, names, reps, queryReps }`
 * @param {import('playwright-core').BrowserContext} context an empty one: incognito, or a new profile on disk
 */
export async function runCatalogue(env, options, context) {
	const { url, log } = env;
	await watchFirstRow(context, ROW);
	const rows = [];
	const add = (id, label, samples, target = null, extra = {}) => rows.push({ id, label, samples, target, sizeText: `${options.versions.toLocaleString('en')} versions`, ...extra });

	// An empty store first: it registers the service worker, which the offline start needs.
	const first = await context.newPage();
	await openApp(first, `${url}/`);
	await first.waitForFunction(async () => (await navigator.serviceWorker.ready) && navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
	log(`Seeding ${options.versions.toLocaleString('en')} versions over ${options.names.toLocaleString('en')} names`);
	const seed = await baseline(first, 'seedCatalogue', { versions: options.versions, names: options.names });
	log(`  seeded in ${(seed.ms / 1000).toFixed(1)} s`);
	await first.close();

	log('Cold start to the first rendered row');
	const cold = [];
	for (let rep = 1; rep <= options.reps; rep++) cold.push(await firstRow(context, url));
	add('cold-start', 'cold start → first row rendered', cold.map((start) => start.row), null, { breakdown: cold });
	const profiles = options.profile ? [await profileColdStart(env, context)] : [];

	const page = await context.newPage();
	await openApp(page, `${url}/`);
	// Reads never wait for the start-up clean-up, but deletes do (it holds the write lock): let it finish.
	const fsck = await timedCall(page, 'fsck', {});
	const timed = async (id, label, method, request, target = null) => {
		await timedCall(page, method, request); // warm-up: the first call pays for code and caches once
		const samples = [];
		for (let rep = 0; rep < Math.max(options.queryReps, P95_REPS); rep++) samples.push((await timedCall(page, method, request)).ms);
		const spread = percentiles(samples);
		add(id, label, samples, target, spread);
		log(`  ${label}: p50 ${spread.p50.toFixed(1)} ms, p95 ${spread.p95.toFixed(1)} ms`);
	};
	log(`Catalogue queries (${Math.max(options.queryReps, P95_REPS)} repetitions each)`);
	await timed('list-newest', 'list, newest first, page of 50', 'list', { limit: 50 }, QUERY_TARGET);
	await timed('list-name', 'list by name, page of 50', 'list', { name: seed.sampleName, limit: 50 }, QUERY_TARGET);
	await timed('list-selector', `list by selector ${SELECTOR}`, 'list', { selector: SELECTOR, limit: 50 }, QUERY_TARGET);
	await timed('list-search', `free-text search "${seed.searchText}"`, 'list', { text: seed.searchText, limit: 50 }, QUERY_TARGET);
	await timed('latest', 'latest resolution (get name)', 'get', { tag: seed.sampleName });
	if (options.profile) {
		const repeat = (request) => async () => {
			for (let rep = 0; rep < options.queryReps; rep++) await timedCall(page, 'list', request);
		};
		profiles.push((await profiled(env.workers, `free-text search x${options.queryReps}`, repeat({ text: seed.searchText, limit: 50 }))).profile);
		profiles.push((await profiled(env.workers, `selector x${options.queryReps}`, repeat({ selector: SELECTOR, limit: 50 }))).profile);
	}
	// Issue 16: aliases, retention, metric order.
	const version = await page.evaluate((name) => window.modelShelf.api.get({ tag: name }).then((record) => record.version), seed.sampleName);
	await timedCall(page, 'setAlias', { name: seed.sampleName, alias: 'champion', version });
	await timed('alias', 'alias resolution (get name@alias)', 'get', { tag: `${seed.sampleName}@champion` }, { maxMs: 5 });
	await timed('order-metric', 'list ordered by metadata accuracy, page of 50', 'list', { orderBy: { metadata: 'accuracy', direction: 'desc' }, limit: 50 }, QUERY_TARGET);
	await timed('retention-plan', 'retention dry run: keep the newest 3 of each name', 'planRetention', { keepNewest: 3 }, { maxMs: 1000 });
	if (options.profile) {
		const plans = async () => {
			for (let rep = 0; rep < 5; rep++) await timedCall(page, 'planRetention', { keepNewest: 3 });
		};
		profiles.push((await profiled(env.workers, 'retention dry run x5', plans)).profile);
	}
	const deletes = [];
	for (const name of seed.deleteNames.slice(0, options.queryReps)) deletes.push((await timedCall(page, 'delete', { tag: name, removeAliases: true })).ms);
	add('delete-latest', 'delete a latest version (into the trash)', deletes);
	await page.close();

	log('Offline start to the first rendered row');
	await context.setOffline(true);
	const offline = [];
	for (let rep = 1; rep <= options.reps; rep++) offline.push(await firstRow(context, url));
	await context.setOffline(false);
	add('offline-start', 'offline start → first row rendered', offline.map((start) => start.row), { maxMs: 500 }, { breakdown: offline });

	// Last, since it changes the catalogue: one bulk delete of a tenth of it (10,000 of 100,000).
	const bulk = await context.newPage();
	await openApp(bulk, `${url}/`);
	await timedCall(bulk, 'fsck', {}); // a delete waits for the start-up clean-up: not part of its figure
	const count = Math.round(options.versions / 10);
	const tags = await bulk.evaluate(async (count) => {
		const collected = [];
		let cursor = null;
		while (collected.length < count) {
			const page = await window.modelShelf.api.list({ order: 'oldest', limit: 1000, cursor });
			collected.push(...page.items.map((item) => item.tag));
			if ((cursor = page.next) === null) break;
		}
		return collected.slice(0, count);
	}, count);
	const deleted = await timedCall(bulk, 'deleteMany', { tags, removeAliases: true });
	const perSecond = Math.round(tags.length / (deleted.ms / 1000));
	add('bulk-delete', `bulk delete of ${tags.length.toLocaleString('en')} versions into the trash`, [deleted.ms], null, { sizeText: `${options.versions.toLocaleString('en')} versions; ${perSecond.toLocaleString('en')} versions/s` });
	log(`  bulk delete of ${tags.length} versions: ${deleted.ms.toFixed(0)} ms (${perSecond} versions/s)`);
	await bulk.close();
	return { rows, seed, startupFsckMs: fsck.ms, profiles };
}

/**
 * The 50th and 95th percentiles of query times (nearest rank): a user meets the slow tail, not only the median.
 * @param {number[]} samples ms
 */
export function percentiles(samples) {
	const sorted = [...samples].sort((a, b) => a - b);
	const rank = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
	return { p50: rank(50), p95: rank(95) };
}

/** Opens a new tab (new page, worker and database connection); returns ms from navigation to the first row, and where they went. */
async function firstRow(context, url) {
	const page = await context.newPage();
	try {
		await page.goto(`${url}/`);
		await page.waitForFunction(() => window.__benchMarks.row !== undefined && window.modelShelf !== undefined, null, { timeout: 60_000 });
		return await startBreakdown(page);
	} finally {
		await page.close();
	}
}

/** One more cold start (not timed) with the page and the app's workers profiled. */
async function profileColdStart(env, context) {
	const page = await context.newPage();
	const session = await context.newCDPSession(page);
	const { profile } = await profiled(
		env.workers,
		'cold start',
		async () => {
			await page.goto(`${env.url}/`);
			await page.waitForFunction(() => window.__benchMarks.row !== undefined, null, { timeout: 60_000 });
		},
		session
	);
	await page.close();
	return profile;
}

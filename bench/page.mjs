// What the bench does inside the page: open the app, pick files as a user would, run the bench-only
// baseline worker, and time calls to the app's real worker API (window.modelShelf.api).

/**
 * Opens the app and waits until its worker API is exposed.
 * @param {import('playwright-core').Page} page
 * @param {string} url
 */
export async function openApp(page, url) {
	await page.goto(url);
	await page.waitForFunction(() => window.modelShelf !== undefined);
}

/**
 * Puts files from disk into the page as `File` objects, through a hidden `<input type=file>` and
 * Playwright's setInputFiles: a local browser gets the paths, so each File is disk-backed, exactly like
 * one the user picked (nothing is copied into memory). Later calls refer to them by file name.
 * @param {import('playwright-core').Page} page
 * @param {string[]} paths
 */
export async function pickFiles(page, paths) {
	await page.evaluate(() => {
		if (document.getElementById('bench-picker')) return;
		const input = Object.assign(document.createElement('input'), { type: 'file', id: 'bench-picker', multiple: true, hidden: true });
		document.body.append(input);
	});
	await page.setInputFiles('#bench-picker', paths);
	await page.evaluate(() => {
		window.__benchFiles = Object.fromEntries([...document.getElementById('bench-picker').files].map((file) => [file.name, file]));
	});
}

/**
 * Runs one operation of bench/baseline-worker.ts (started once per page, from the app's origin).
 * `file` (a picked file's name) is sent along as `args.file`.
 * @param {import('playwright-core').Page} page
 * @param {string} op
 * @param {object} args
 * @param {string} [file]
 */
export function baseline(page, op, args, file) {
	return page.evaluate(
		({ op, args, file }) => {
			const bench = (window.__benchBaseline ??= { worker: new Worker('/bench/baseline-worker.js', { type: 'module', name: 'bench-baseline' }), next: 1 });
			const id = bench.next++;
			return new Promise((resolve, reject) => {
				const onMessage = (event) => {
					if (event.data.id !== id) return;
					bench.worker.removeEventListener('message', onMessage);
					if (event.data.error) reject(new Error(event.data.error));
					else resolve(event.data.result);
				};
				bench.worker.addEventListener('message', onMessage);
				bench.worker.postMessage({ id, op, args: file ? { ...args, file: window.__benchFiles[file] } : args });
			});
		},
		{ op, args, file }
	);
}

/**
 * Times one call of the app's worker API, measured in the page around the awaited call (so it includes
 * the Comlink round trip, as the UI sees it). `file` is passed as `request[fileField]` when given.
 * @param {import('playwright-core').Page} page
 * @param {string} method e.g. 'importBundle'
 * @param {object} request
 * @param {{ file?: string, fileField?: string, savePath?: string }} [options] `savePath`: send `request.files` = [{ path: savePath, data: that file }]
 * @returns {Promise<{ ms: number, result: any }>}
 */
export function timedCall(page, method, request, options = {}) {
	return page.evaluate(
		async ({ method, request, options }) => {
			const file = options.file ? window.__benchFiles[options.file] : undefined;
			const full = { ...request };
			if (file && options.fileField) full[options.fileField] = file;
			if (file && options.savePath) full.files = [{ path: options.savePath, data: file }];
			const started = performance.now();
			const result = await window.modelShelf.api[method](full);
			const ms = performance.now() - started;
			// Only what the bench reads: whole records would be cloned back to Node for nothing.
			const brief = result && typeof result === 'object' ? { tag: result.record?.tag ?? result.removed, status: result.status, bytes: result.bytes, items: result.items?.length, name: result.name } : result;
			return { ms, result: brief };
		},
		{ method, request, options }
	);
}

/**
 * Records, from the first byte of every document in this context, when the app shell's heading, the list's
 * loading skeleton and the first row of the model list appear (ms since navigation start), in
 * `window.__benchMarks`; `__benchMarks.row` is the figure, the others say where the time went.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} rowSelector
 */
export async function watchFirstRow(context, rowSelector) {
	await context.addInitScript((selector) => {
		const marks = (window.__benchMarks = {});
		const watched = { heading: 'h1', skeleton: '[aria-busy="true"]', row: selector };
		const look = () => {
			for (const [mark, css] of Object.entries(watched)) if (marks[mark] === undefined && document.querySelector(css)) marks[mark] = performance.now();
			return marks.row !== undefined;
		};
		new MutationObserver((_, observer) => look() && observer.disconnect()).observe(document, { childList: true, subtree: true });
	}, rowSelector);
}

/**
 * Where a start's time went: navigation timing and the marks of {@link watchFirstRow} (ms since navigation start).
 * @param {import('playwright-core').Page} page
 */
export function startBreakdown(page) {
	return page.evaluate(() => {
		const navigation = performance.getEntriesByType('navigation')[0];
		const round = (value) => (value === undefined ? null : Math.round(value));
		return {
			htmlLoaded: round(navigation?.responseEnd),
			domContentLoaded: round(navigation?.domContentLoadedEventEnd),
			...Object.fromEntries(Object.entries(window.__benchMarks).map(([mark, value]) => [mark, round(value)]))
		};
	});
}

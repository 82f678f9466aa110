// The bench's report as text: the tables on stdout, and the same block in docs/benchmarks.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { markdown, memoryTable, speedTable, stats } from './report.mjs';

const DOCS = 'docs/benchmarks.md';
const START = '<!-- bench:latest:start -->';
const END = '<!-- bench:latest:end -->';

/**
 * Everything a reader needs from one run, as Markdown: machine, speed, memory, per-file costs, profiles.
 * @param {object} report what bench/main.mjs writes to JSON
 */
export function writeSummary(report) {
	const { machine } = report;
	const parts = [
		`Run of ${report.date} (${report.durationS} s): ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ` +
			`Chromium ${machine.chromium}, Node ${machine.node}, Linux ${machine.os}; load average ${machine.loadAverage.before.join(' / ')} before, ` +
			`${machine.loadAverage.after.join(' / ')} after. ${report.options.reps} repetitions; MB/s = 10^6 bytes/s.`,
		...(report.speed.length > 0 ? ['### Speed', speedTable(report.speed)] : [])
	];
	if (report.speed.some((row) => row.floorRatio !== undefined)) {
		parts.push(
			'Floors (`floor-import`, `floor-export`) are explanatory, not targets: the judged baseline plus the work it leaves out and the app cannot ' +
				'(an import also reads the picked File and computes CRC-32; an export also writes every byte into the zip). A floor\'s ratio to the baseline is the most ' +
				'an app row could reach on this machine; "ratio to floor" is the floor\'s time ÷ the app\'s in the same repetition.'
		);
	}
	if (report.contexts) {
		parts.push(`Where each figure ran: ${Object.entries(report.contexts).map(([suite, context]) => `${suite}: ${context}`).join('; ')}.`);
	}
	const many = report.speed.find((row) => row.id === 'import-10001');
	const nativeMany = report.speed.find((row) => row.id === 'native-import-10001');
	if (many) {
		const native = nativeMany ? `; unzip + sha256sum of the same zip, ${(nativeMany.median / 10_001).toFixed(2)} ms per file` : '';
		parts.push(`The 10,001-file import costs ${(many.median / 10_001).toFixed(2)} ms per file (median run)${native}.`);
	}
	if (report.memory.length > 0) {
		parts.push(
			'### Peak memory during each operation',
			'Peaks of samples every 100 ms (CDP `Runtime.getHeapUsage`): V8 heap in use and array-buffer backing store, of the page and of the app\'s workers summed (shelf worker + hash worker). ' +
				'"Live after GC" samples the workers right after a forced garbage collection every 2 s. The target is judged on the V8 heaps and on that live figure; the plain buffer peak also counts dropped chunks not yet collected and is reported, not judged.',
			memoryTable(report.memory, report.memoryLimitBytes)
		);
	}
	if (report.probe) {
		const steps = Object.entries(report.probe.steps).map(([step, { medianUs, meanUs }]) => [step, `${(medianUs / 1000).toFixed(2)} ms`, `${(meanUs / 1000).toFixed(2)} ms`]);
		parts.push(
			'### One tiny file, step by step',
			`The store's per-file steps timed in isolation over ${report.probe.files} two-byte files (${report.probe.msPerFile.toFixed(2)} ms per file for all steps).`,
			markdown(['step', 'median', 'mean'], steps)
		);
	}
	for (const profile of report.profiles) {
		parts.push(`### CPU profile: ${profile.label} (${(profile.wallMs / 1000).toFixed(1)} s wall)`);
		for (const worker of profile.workers) {
			const rows = worker.top.map(({ fn, ms, share }) => [fn, `${ms} ms`, `${(share * 100).toFixed(1)} %`]);
			parts.push(`${worker.worker} worker: ${worker.totalMs} ms sampled, ${(worker.idleShare * 100).toFixed(0)} % idle (${worker.file})`, markdown(['function (self time)', 'time', 'share'], rows));
		}
	}
	const starts = report.speed.filter((row) => row.breakdown);
	if (starts.length > 0) {
		const marks = ['htmlLoaded', 'domContentLoaded', 'heading', 'skeleton', 'row'];
		const median = (values) => stats(values.filter((value) => value !== null)).median;
		const rows = marks.map((mark) => [mark, ...starts.map((row) => `${median(row.breakdown.map((start) => start[mark])) ?? '—'} ms`)]);
		parts.push(
			'### Where a start goes (median ms since navigation start)',
			'heading: the app shell rendered; skeleton: the list asked the worker; row: the first version row rendered.',
			markdown(['milestone', ...starts.map((row) => row.label)], rows)
		);
	}
	if (report.registry) {
		const { uploadedBytes, skippedBytes, uploadRequests } = report.registry.secondVersion;
		parts.push(
			`Registry: push and pull are judged against skopeo copying the same bytes between an OCI layout on disk and a new registry in the same repetition (ratio to peer = skopeo's time ÷ the shelf's), and shown against the read+hash and write+hash baselines of that repetition. ` +
				`A second version sharing the weights uploaded ${uploadedBytes.toLocaleString('en')} bytes in ${uploadRequests} requests (model.yaml, the new file, the manifest); ` +
				`${skippedBytes.toLocaleString('en')} bytes were already on the registry.`
		);
	}
	if (report.lighthouse) {
		const { scores, failing, metrics, pages } = report.lighthouse;
		parts.push(
			'### Lighthouse (first load, mobile throttling)',
			markdown(['page', ...Object.keys(scores)], (pages ?? [report.lighthouse]).map((page) => [page.path ?? '/', ...Object.keys(scores).map((id) => page.scores[id])])),
			`Home page: ${Object.entries(metrics ?? {}).map(([metric, value]) => `${metric} ${value}${metric === 'cls' ? '' : ' ms'}`).join(', ')}. Failing audits: ${failing.length === 0 ? 'none' : failing.map((audit) => `${audit.id}${audit.displayValue ? ` (${audit.displayValue})` : ''}`).join(', ')}.`
		);
	}
	if (report.catalogue) {
		const { seed, startupFsckMs } = report.catalogue;
		parts.push(`Catalogue: ${seed.versions.toLocaleString('en')} versions over ${seed.names.toLocaleString('en')} names, seeded in ${(seed.ms / 1000).toFixed(1)} s; an fsck over it took ${startupFsckMs.toFixed(0)} ms.`);
	}
	return parts.join('\n\n');
}

/**
 * Replaces the latest-results block of docs/benchmarks.md with this run's summary.
 * @param {object} report
 * @param {string} jsonPath where the run's JSON was written
 * @returns {string} the docs path
 */
export function updateDocs(report, jsonPath) {
	const text = readFileSync(DOCS, 'utf8');
	const start = text.indexOf(START);
	const end = text.indexOf(END);
	if (start === -1 || end < start) throw new Error(`${DOCS} has no ${START} … ${END} block to replace.`);
	const block = `${START}\n${writeSummary(report)}\n\nRaw figures: \`${jsonPath}\`.\n${END}`;
	writeFileSync(DOCS, text.slice(0, start) + block + text.slice(end + END.length));
	return DOCS;
}

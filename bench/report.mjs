// Turns raw samples into the bench's tables: median, min and max, MB/s (10^6 bytes per second) and the
// ratio to the baseline measured in the same run, each against its target.

const MIB = 1024 * 1024;

/** Median, min and max of a list of numbers. */
export function stats(samples) {
	const sorted = [...samples].sort((a, b) => a - b);
	const middle = sorted.length >> 1;
	const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	return { median, min: sorted[0], max: sorted.at(-1), n: sorted.length };
}

/**
 * Adds statistics, throughput, baseline ratio and target verdict to every speed row.
 * Rows name their baseline with `compare: 'write' | 'read'`; the write baseline is the faster of the
 * one-thread and two-worker variants, as the issue asks. Repetitions are interleaved, so the ratio is taken
 * within each repetition (baseline time / operation time) and its median reported with its range: on a
 * shared machine the load moves between repetitions more than it does within one.
 * @param {object[]} rows `{ id, label, size, bytes?, samples, compare?, target? }`, samples in repetition order
 */
export function evaluateSpeed(rows) {
	const samplesOf = (id) => rows.find((row) => row.id === id)?.samples ?? [];
	const [write1, write2, read] = [samplesOf('baseline-write-1'), samplesOf('baseline-write-2'), samplesOf('baseline-read')];
	const baselineMs = {
		write: write1.map((ms, rep) => Math.min(ms, write2[rep] ?? Infinity)),
		read
	};
	return rows.map((row) => {
		const s = stats(row.samples);
		const mbps = row.bytes ? row.bytes / 1e6 / (s.median / 1000) : null;
		// A suite may measure its own baseline next to each sample (`baselineSamples`), e.g. the registry's.
		const base = row.baselineSamples ?? (row.compare ? baselineMs[row.compare] : null);
		const ratios = base && row.bytes && base.length === row.samples.length ? row.samples.map((ms, rep) => base[rep] / ms) : null;
		const ratio = ratios ? stats(ratios) : null;
		// A native peer timed in the same repetitions (`peerSamples`, e.g. skopeo): its time ÷ ours, per repetition.
		const peerRatios = row.peerSamples?.length === row.samples.length && row.samples.length > 0 ? row.samples.map((ms, rep) => row.peerSamples[rep] / ms) : null;
		const peer = peerRatios ? stats(peerRatios) : null;
		// Explanatory, not judged: the floor named by `floor` (a baseline plus the work it leaves out), floor time ÷ ours.
		const floorSamples = row.floor ? samplesOf(row.floor) : [];
		const floorRatios = floorSamples.length === row.samples.length && row.samples.length > 0 ? row.samples.map((ms, rep) => floorSamples[rep] / ms) : null;
		const floor = floorRatios ? stats(floorRatios) : null;
		return {
			...row,
			...s,
			mbps,
			ratios,
			ratio: ratio?.median ?? null,
			ratioRange: ratio ? [ratio.min, ratio.max] : null,
			...(peer ? { peerRatios, peerRatio: peer.median, peerRatioRange: [peer.min, peer.max] } : {}),
			...(floor ? { floorRatios, floorRatio: floor.median, floorRatioRange: [floor.min, floor.max] } : {}),
			met: verdict(row.target, { ratio: ratio?.median ?? null, peerRatio: peer?.median ?? null, median: s.median, p95: row.p95 ?? null })
		};
	});
}

/**
 * Memory rows against the target: the V8 heap of page and workers, and what the workers really hold
 * (heap + array buffers right after a forced GC), must stay under the limit. The plain array-buffer peak
 * also counts chunks already dropped but not yet collected: it is reported, not judged.
 */
export function evaluateMemory(rows, limitBytes) {
	return rows.map((row) => ({ ...row, met: Math.max(row.pageHeap, row.workerHeap, row.pageHeap + row.pageBuffers, row.workerLive ?? 0) < limitBytes }));
}

function verdict(target, { ratio, peerRatio, median, p95 }) {
	if (!target) return null;
	if (target.maxP95Ms !== undefined) return p95 !== null && p95 < target.maxP95Ms;
	if (target.minPeerRatio !== undefined) return peerRatio !== null && peerRatio >= target.minPeerRatio;
	if (target.minRatio !== undefined) return ratio !== null && ratio >= target.minRatio;
	if (target.maxMs !== undefined) return median < target.maxMs;
	return null;
}

/** The speed table, as Markdown (readable on a terminal as well). */
export function speedTable(rows) {
	// The peer column only when a row has a peer (the registry's skopeo).
	const peers = rows.some((row) => row.peerRatio !== undefined);
	// The floor column only when a row has a floor (the transfer suite's explanatory rows).
	const floors = rows.some((row) => row.floorRatio !== undefined);
	const header = [
		'operation', 'size', 'median', 'min', 'max', 'MB/s', 'ratio to baseline (range)',
		...(peers ? ['ratio to peer (range)'] : []),
		...(floors ? ['ratio to floor (range)'] : []),
		'target', 'met?'
	];
	const range = (pair) => pair.map((value) => value.toFixed(2)).join('–');
	const body = rows.map((row) => [
		row.label,
		row.sizeText ?? (row.size ? formatSize(row.size) : '—'),
		formatMs(row.median),
		formatMs(row.min),
		formatMs(row.max),
		row.mbps ? row.mbps.toFixed(0) : '—',
		row.ratio ? `${row.ratio.toFixed(2)}× ${row.compare} (${range(row.ratioRange)})` : row.id.startsWith('baseline') ? '(baseline)' : '—',
		...(peers ? [row.peerRatio !== undefined ? `${row.peerRatio.toFixed(2)}× skopeo (${range(row.peerRatioRange)})` : row.reference ? '(reference)' : '—'] : []),
		...(floors ? [row.floorRatio !== undefined ? `${row.floorRatio.toFixed(2)}× ${row.floor} (${range(row.floorRatioRange)})` : row.id.startsWith('floor') ? '(floor)' : '—'] : []),
		targetText(row.target),
		row.met === null ? '' : row.met ? 'yes' : '**no**'
	]);
	return markdown(header, body);
}

/** The memory table, as Markdown. */
export function memoryTable(rows, limitBytes) {
	const header = ['operation', 'size', 'page heap', 'page buffers', 'workers heap', 'workers buffers', 'workers live after GC', 'renderer RSS', 'target', 'met?'];
	const mib = (bytes) => `${(bytes / MIB).toFixed(1)} MiB`;
	const body = rows.map((row) => [
		row.label,
		formatSize(row.size),
		mib(row.pageHeap),
		mib(row.pageBuffers),
		mib(row.workerHeap),
		mib(row.workerBuffers),
		row.workerLive ? mib(row.workerLive) : '—',
		row.rendererRss ? mib(row.rendererRss) : '—',
		`< ${limitBytes / MIB} MiB`,
		row.met ? 'yes' : '**no**'
	]);
	return markdown(header, body);
}

/** A Markdown table with the columns padded, so that it also reads as plain text. */
export function markdown(header, body) {
	const widths = header.map((cell, i) => Math.max(cell.length, ...body.map((row) => String(row[i]).length)));
	const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
	return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

export function formatSize(bytes) {
	if (bytes >= 1024 * MIB && bytes % (1024 * MIB) === 0) return `${bytes / (1024 * MIB)} GiB`;
	if (bytes >= MIB) return `${+(bytes / MIB).toFixed(1)} MiB`;
	return `${bytes} B`;
}

function formatMs(ms) {
	if (ms === undefined) return '—';
	return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

function targetText(target) {
	if (!target) return '—';
	if (target.minPeerRatio !== undefined) return `≥ ${target.minPeerRatio}× peer`;
	if (target.minRatio !== undefined) return `≥ ${target.minRatio}× baseline`;
	if (target.maxP95Ms !== undefined) return `p95 < ${target.maxP95Ms} ms`;
	return `< ${target.maxMs >= 1000 ? `${target.maxMs / 1000} s` : `${target.maxMs} ms`}`;
}

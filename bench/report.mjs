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
 * one-thread and two-worker variants, as the issue asks.
 * @param {object[]} rows `{ id, label, size, bytes?, samples, compare?, target? }`
 */
export function evaluateSpeed(rows) {
	const withStats = rows.map((row) => {
		const s = stats(row.samples);
		const mbps = row.bytes ? row.bytes / 1e6 / (s.median / 1000) : null;
		return { ...row, ...s, mbps };
	});
	const speed = (id) => withStats.find((row) => row.id === id)?.mbps ?? null;
	const baselines = {
		write: Math.max(speed('baseline-write-1') ?? 0, speed('baseline-write-2') ?? 0) || null,
		read: speed('baseline-read')
	};
	return withStats.map((row) => {
		const base = row.compare ? baselines[row.compare] : null;
		const ratio = base && row.mbps ? row.mbps / base : null;
		return { ...row, ratio, met: verdict(row.target, { ratio, median: row.median }) };
	});
}

/** Memory rows: the peak of page and of workers (heap + array buffers) against the target. */
export function evaluateMemory(rows, limitBytes) {
	return rows.map((row) => {
		const page = row.pageHeap + row.pageBuffers;
		const workers = row.workerHeap + row.workerBuffers;
		return { ...row, page, workers, met: Math.max(page, workers) < limitBytes };
	});
}

function verdict(target, { ratio, median }) {
	if (!target) return null;
	if (target.minRatio !== undefined) return ratio !== null && ratio >= target.minRatio;
	if (target.maxMs !== undefined) return median < target.maxMs;
	return null;
}

/** The speed table, as Markdown (readable on a terminal as well). */
export function speedTable(rows) {
	const header = ['operation', 'size', 'median', 'min', 'max', 'MB/s', 'ratio to baseline', 'target', 'met?'];
	const body = rows.map((row) => [
		row.label,
		row.sizeText ?? (row.size ? formatSize(row.size) : '—'),
		formatMs(row.median),
		formatMs(row.min),
		formatMs(row.max),
		row.mbps ? row.mbps.toFixed(0) : '—',
		row.ratio ? `${row.ratio.toFixed(2)}× ${row.compare}` : row.id.startsWith('baseline') ? '(baseline)' : '—',
		targetText(row.target),
		row.met === null ? '' : row.met ? 'yes' : '**no**'
	]);
	return markdown(header, body);
}

/** The memory table, as Markdown. */
export function memoryTable(rows, limitBytes) {
	const header = ['operation', 'size', 'page heap', 'page buffers', 'workers heap', 'workers buffers', 'renderer RSS', 'target', 'met?'];
	const mib = (bytes) => `${(bytes / MIB).toFixed(1)} MiB`;
	const body = rows.map((row) => [
		row.label,
		formatSize(row.size),
		mib(row.pageHeap),
		mib(row.pageBuffers),
		mib(row.workerHeap),
		mib(row.workerBuffers),
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
	if (target.minRatio !== undefined) return `≥ ${target.minRatio}× baseline`;
	return `< ${target.maxMs >= 1000 ? `${target.maxMs / 1000} s` : `${target.maxMs} ms`}`;
}

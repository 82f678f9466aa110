// PyYAML and cattrs as BentoML uses them (Debian's python3-yaml and python3-cattr), as the oracle of the
// model.yaml tests: see pyyaml-oracle.py for what a job asks and what comes back.
import { DEBIAN_PYTHON } from '../tools.ts';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isPyFloat, type PyValue } from '../../src/lib/core/pyyaml-dump.ts';

const script = fileURLToPath(new URL('pyyaml-oracle.py', import.meta.url));

/** How one signature mapping structures into a class shaped like BentoML's ModelSignature. */
export type Structured = { ok: true; batchable: boolean; batch_dim: [number, number] } | { ok: false; error: string };

/** What Python made of one model.yaml file. */
export interface FileVerdict {
	loaded: boolean;
	error?: string;
	/** The first difference in value or Python type from `expect`, or null when there is none. */
	difference?: string | null;
	signatures?: Record<string, Structured>;
	context?: { bentoml_version: string; python_version: string } | { error: string };
	creation_time_stable?: boolean;
}

/** The oracle's answer. */
export interface OracleAnswer {
	/** The locale's encoding Python opened files with. */
	encoding: string;
	dump: string[];
	files: FileVerdict[];
	signatures: Structured[];
	/** Each archive's model.yaml, base64. */
	archives: string[];
	/** What PyYAML writes for each JSON text as Python's json.loads reads it. */
	json: string[];
}

/** One job: documents to dump, files to load and check, signatures to structure, archives to read, JSON to load. */
export interface OracleJob {
	dump?: { [key: string]: PyValue }[];
	files?: { path: string; expect?: { [key: string]: PyValue } }[];
	signatures?: PyValue[];
	archives?: string[];
	json?: string[];
}

/**
 * Runs the oracle. Files are read under `LC_ALL=C` with UTF-8 mode off, so Python's default encoding is ASCII
 * (Python 3.7+ would otherwise switch to UTF-8 for the C locale): the strictest of the non-UTF-8 locales a
 * BentoML user may have (Windows' cp1252 reads every ASCII file too).
 * @param job what to do
 */
export function runOracle(job: OracleJob): OracleAnswer {
	const input = `{${[
		`"dump": [${(job.dump ?? []).map(toPyJson).join(', ')}]`,
		`"files": [${(job.files ?? []).map((file) => `{"path": ${JSON.stringify(file.path)}${file.expect ? `, "expect": ${toPyJson(file.expect)}` : ''}}`).join(', ')}]`,
		`"signatures": [${(job.signatures ?? []).map(toPyJson).join(', ')}]`,
		`"archives": ${JSON.stringify(job.archives ?? [])}`,
		`"json": ${JSON.stringify(job.json ?? [])}`
	].join(', ')}}`;
	const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', PYTHONUTF8: '0' };
	const output = execFileSync(DEBIAN_PYTHON, [script], { input, env, encoding: 'utf8', maxBuffer: 512 * 1024 ** 2 });
	return JSON.parse(output) as OracleAnswer;
}

/**
 * Typed JSON for the oracle: ints as integer literals, floats always with a fraction or an exponent (Python's
 * json reads `1.0` as a float and `1` as an int), NaN and Infinity as Python's json writes them, bytes as
 * `{"$bytes": base64}`. Uses JavaScript's own number formatting, not the code under test.
 * @param value the value
 */
export function toPyJson(value: PyValue): string {
	if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
	if (typeof value === 'bigint') return String(value);
	if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
	if (typeof value === 'number' || isPyFloat(value)) {
		const float = value.valueOf();
		if (Number.isNaN(float)) return 'NaN';
		if (!Number.isFinite(float)) return float > 0 ? 'Infinity' : '-Infinity';
		if (Object.is(float, -0)) return '-0.0';
		const text = JSON.stringify(float);
		return /[.eE]/.test(text) ? text : `${text}.0`;
	}
	if (value instanceof Uint8Array) return `{"$bytes": "${Buffer.from(value).toString('base64')}"}`;
	if (Array.isArray(value)) return `[${value.map(toPyJson).join(', ')}]`;
	return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${toPyJson(item)}`).join(', ')}}`;
}

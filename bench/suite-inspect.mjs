// Issue 17: reading a stored model file's header must cost the header, not the weights. Files of 64 MiB and
// 1 GiB (safetensors and GGUF, written here to their specs, weights as sparse zeros) are saved into the shelf,
// then `api.inspect` is timed on each, side by side, with a 10,000-tensor safetensors header.
import { closeSync, existsSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openApp, pickFiles, timedCall } from './page.mjs';
import { withProfile } from './persistent.mjs';

const MIB = 1024 * 1024;
/** Issue 17's target for a big file's header, whatever the file's size. */
const TARGET = { maxMs: 100 };

/**
 * In a persistent profile on disk (bench/persistent.mjs), as users run it.
 * @param {object} env `{ url, log, executablePath, profileParent }`
 * @param {object} options `{ dataDir, queryReps }`
 */
export async function runInspect(env, options) {
	const { url, log } = env;
	const files = [
		{ name: 'inspect-64m.safetensors', label: 'inspect a safetensors file', size: 64 * MIB, write: (path, size) => writeSafetensors(path, size, 4) },
		{ name: 'inspect-1g.safetensors', label: 'inspect a safetensors file', size: 1024 * MIB, write: (path, size) => writeSafetensors(path, size, 4) },
		{ name: 'inspect-64m.gguf', label: 'inspect a GGUF file', size: 64 * MIB, write: (path, size) => writeGguf(path, size, 4) },
		{ name: 'inspect-1g.gguf', label: 'inspect a GGUF file', size: 1024 * MIB, write: (path, size) => writeGguf(path, size, 4) },
		{ name: 'inspect-10k-tensors.safetensors', label: 'inspect a 10,000-tensor safetensors header', size: 10_000 * 64, write: (path, size) => writeSafetensors(path, size, 10_000), target: null }
	];
	for (const file of files) {
		file.path = join(options.dataDir, file.name);
		if (!existsSync(file.path)) file.write(file.path, file.size);
	}
	return withProfile(env, async ({ context }) => {
		const page = await context.newPage();
		await openApp(page, `${url}/`);
		await pickFiles(page, files.map((file) => file.path));
		return { rows: await inspectAll(page, files, options, log) };
	});
}

/** Saves each file, then times `api.inspect` on it (after one warm-up), one big file on the shelf at a time. */
async function inspectAll(page, files, options, log) {
	const rows = [];
	for (const file of files) {
		log(`Saving ${file.name}`);
		await timedCall(page, 'save', { name: 'inspect', version: file.name.replace(/[^a-z0-9]+/g, '-') }, { file: file.name, savePath: file.name });
		const request = { tag: `inspect:${file.name.replace(/[^a-z0-9]+/g, '-')}`, path: file.name };
		await timedCall(page, 'inspect', request); // warm-up
		const samples = [];
		for (let rep = 0; rep < options.queryReps; rep++) samples.push((await timedCall(page, 'inspect', request)).ms);
		rows.push({ id: file.name, label: file.label, samples, target: file.target === undefined ? TARGET : file.target, size: file.size });
		log(`  ${file.name}: median ${samples.sort((a, b) => a - b)[samples.length >> 1].toFixed(1)} ms`);
		// One big file on the shelf at a time: the quota of an in-memory browser context refused a second 1 GiB one.
		await timedCall(page, 'delete', { tag: request.tag });
		await timedCall(page, 'emptyTrash', {});
	}
	return rows;
}

/** A safetensors file of `tensors` F32 tensors tiling `size` bytes of (sparse, zero) data, per the spec. */
function writeSafetensors(path, size, tensors) {
	const each = Math.floor(size / tensors / 4) * 4;
	const header = {};
	for (let index = 0; index < tensors; index++) header[`layers.${index}.weight`] = { dtype: 'F32', shape: [each / 4], data_offsets: [index * each, (index + 1) * each] };
	let json = JSON.stringify(header);
	json += ' '.repeat((8 - (json.length % 8)) % 8);
	const length = Buffer.alloc(8);
	length.writeBigUInt64LE(BigInt(json.length));
	writeSparse(path, Buffer.concat([length, Buffer.from(json)]), 8 + json.length + each * tensors);
}

/** A GGUF v3 file (docs/gguf.md): a little metadata and `tensors` F32 tensors over `size` bytes, aligned to 32. */
function writeGguf(path, size, tensors) {
	const parts = [];
	const u32 = (value) => parts.push(Buffer.from(new Uint32Array([value]).buffer));
	const u64 = (value) => {
		const bytes = Buffer.alloc(8);
		bytes.writeBigUInt64LE(BigInt(value));
		parts.push(bytes);
	};
	const string = (text) => {
		u64(Buffer.byteLength(text));
		parts.push(Buffer.from(text));
	};
	parts.push(Buffer.from('GGUF'));
	u32(3);
	u64(tensors);
	u64(2);
	string('general.architecture');
	u32(8);
	string('llama');
	string('llama.context_length');
	u32(4);
	u32(4096);
	const each = Math.floor(size / tensors / 32) * 32;
	for (let index = 0; index < tensors; index++) {
		string(`blk.${index}.weight`);
		u32(1);
		u64(each / 4);
		u32(0); // F32
		u64(index * each);
	}
	const header = Buffer.concat(parts);
	const dataStart = Math.ceil(header.length / 32) * 32;
	writeSparse(path, header, dataStart + each * tensors);
}

function writeSparse(path, head, size) {
	const fd = openSync(path, 'w');
	try {
		writeSync(fd, head, 0, head.length, 0);
		ftruncateSync(fd, size);
	} finally {
		closeSync(fd);
	}
}

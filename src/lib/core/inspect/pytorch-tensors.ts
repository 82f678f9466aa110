// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// Finds the tensors in what a PyTorch `data.pkl` builds (pickle-vm.ts), without torch: a tensor is a call of
// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` whose storage is the persistent id
// `('storage', torch.FloatStorage, key, location, numel)` (torch/serialization.py, `persistent_id`). Names
// are the keys leading to it, dotted, as `state_dict()` writes them. The values may share subtrees or hold
// themselves (memo references), so the walk counts its repeat visits and never re-enters an ancestor.
import type { TensorInfo } from './inspect-types.ts';
import { badPickle, isGlobal, sequenceItems, type PickleValue } from './pickle-values.ts';

/** A tensor found in the pickle, with where its bytes are: `data/<storageKey>` in the archive. */
export interface PytorchTensorRef {
	info: TensorInfo;
	storageKey: string;
	/** Offset into the storage, in elements. */
	storageOffset: number;
	/** Bytes per element, when the dtype is known. */
	itemSize?: number;
	/** True when the strides are the row-major ones, so the bytes are one run. */
	contiguous: boolean;
}

/** Bounds of the walk. */
export interface PytorchWalkLimits {
	maxTensors: number;
	maxDepth: number;
}

/**
 * Collects the tensors in a checkpoint's unpickled value (a state dict, or a dict nesting state dicts).
 * @param root what `data.pkl` built
 * @param limits at most this many tensors, this deep
 * @throws ShelfError `BAD_MODEL_FILE` (format pytorch; too-many, too-deep, bad-value)
 */
export function collectPytorchTensors(root: PickleValue, limits: PytorchWalkLimits): PytorchTensorRef[] {
	const found: PytorchTensorRef[] = [];
	const ancestors = new Set<object>();
	const path: string[] = [];
	// Shared subtrees make a DAG whose paths can number 2^depth: bound the visits, not just the depth. Every
	// first visit costs input bytes, so only visits again (a shared container or tensor) need their own bound.
	const walked = new Set<object>();
	let again = 0;
	const maxAgain = Math.max(_MAX_REVISITS, limits.maxTensors);
	const walk = (value: PickleValue): void => {
		if (typeof value !== 'object' || value === null || ancestors.has(value)) return;
		if (walked.has(value) && ++again > maxAgain) throw badPickle('too-many', `The checkpoint's values are shared more than ${maxAgain} times.`, { format: 'pytorch', limit: maxAgain });
		walked.add(value);
		if (path.length > limits.maxDepth) throw badPickle('too-deep', `The checkpoint nests values deeper than ${limits.maxDepth}.`, { format: 'pytorch', limit: limits.maxDepth });
		const tensor = _tensorOf(value, path);
		if (tensor !== null) {
			if (found.length >= limits.maxTensors) throw badPickle('too-many', `The checkpoint holds more than ${limits.maxTensors} tensors.`, { format: 'pytorch', limit: limits.maxTensors });
			found.push(tensor);
			return;
		}
		ancestors.add(value);
		_eachChild(value, (key, child) => {
			if (key !== null) path.push(key);
			walk(child);
			if (key !== null) path.pop();
		});
		ancestors.delete(value);
	};
	walk(root);
	return found;
}

// ---------------------------------------------------------------------------

/** Visits to values already walked, at least: real checkpoints share tensors, rarely containers. */
const _MAX_REVISITS = 100_000;

/** torch's storage classes: dtype name and bytes per element. */
const _STORAGES: Record<string, [string, number]> = {
	FloatStorage: ['float32', 4],
	DoubleStorage: ['float64', 8],
	HalfStorage: ['float16', 2],
	BFloat16Storage: ['bfloat16', 2],
	LongStorage: ['int64', 8],
	IntStorage: ['int32', 4],
	ShortStorage: ['int16', 2],
	CharStorage: ['int8', 1],
	ByteStorage: ['uint8', 1],
	BoolStorage: ['bool', 1],
	ComplexHalfStorage: ['complex32', 4],
	ComplexFloatStorage: ['complex64', 8],
	ComplexDoubleStorage: ['complex128', 16],
	QInt8Storage: ['qint8', 1],
	QUInt8Storage: ['quint8', 1],
	QInt32Storage: ['qint32', 4],
	QUInt4x2Storage: ['quint4x2', 1],
	QUInt2x4Storage: ['quint2x4', 1],
	Float8_e4m3fnStorage: ['float8_e4m3fn', 1],
	Float8_e5m2Storage: ['float8_e5m2', 1]
};

const _ITEM_SIZES = new Map(Object.values(_STORAGES));

/** Rebuild functions whose first four arguments are (storage, offset, size, stride). */
const _REBUILDERS = ['_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3', '_rebuild_qtensor'];

/** Parameter wrappers whose first argument is the tensor. */
const _WRAPPERS = ['_rebuild_parameter', '_rebuild_parameter_with_state'];

/** A module pickled whole keeps its tensors in these: they add nothing to the name, as in `state_dict()`. */
const _TRANSPARENT_KEYS = new Set(['_parameters', '_buffers', '_modules']);

function _tensorOf(value: Exclude<PickleValue, null | boolean | number | bigint | string>, path: string[]): PytorchTensorRef | null {
	if (value.kind !== 'call' || !_REBUILDERS.some((rebuild) => isGlobal(value.callee, 'torch._utils', rebuild))) return null;
	const name = path.join('.');
	const [storage, offset, size, stride] = value.args;
	const shape = sequenceItems(size);
	const strides = sequenceItems(stride);
	const id = typeof storage === 'object' && storage !== null && storage.kind === 'persistent' ? sequenceItems(storage.id) : null;
	const key = id?.[2];
	if (id === null || id[0] !== 'storage' || (typeof key !== 'string' && typeof key !== 'number') || shape === null || strides === null || !_counts(shape) || !_counts(strides) || !_counts([offset ?? null])) {
		throw badPickle('bad-value', `Tensor "${name}" is rebuilt from arguments that are not a storage, offset, size and stride.`, { format: 'pytorch', found: name });
	}
	// `_rebuild_tensor_v3` names its dtype (argument 6); the others take it from the storage's class.
	const dtypeArg = isGlobal(value.callee, 'torch._utils', '_rebuild_tensor_v3') ? value.args[6] : undefined;
	const storageType = id[1];
	let dtype = 'unknown';
	let itemSize: number | undefined;
	if (typeof dtypeArg === 'object' && dtypeArg !== null && dtypeArg.kind === 'global') {
		dtype = dtypeArg.name;
		itemSize = _ITEM_SIZES.get(dtype);
	} else if (typeof storageType === 'object' && storageType !== null && storageType.kind === 'global') {
		[dtype, itemSize] = _STORAGES[storageType.name] ?? [storageType.name, undefined];
	}
	const dims = shape as number[];
	const elements = dims.reduce((product, dim) => product * dim, 1);
	const info: TensorInfo = { name, dtype: `torch.${dtype}`, shape: dims, elements };
	const ref: PytorchTensorRef = { info, storageKey: String(key), storageOffset: offset as number, contiguous: _rowMajor(dims, strides as number[]) };
	if (itemSize !== undefined) ref.itemSize = itemSize;
	return ref;
}

/** Calls `visit` with each keyed child of a value; a null key adds nothing to the name. */
function _eachChild(value: Exclude<PickleValue, null | boolean | number | bigint | string>, visit: (key: string | null, child: PickleValue) => void): void {
	switch (value.kind) {
		case 'dict':
			for (const [key, child] of value.entries) visit(_keyName(key), child);
			return;
		case 'list':
		case 'tuple':
			value.items.forEach((child, index) => visit(String(index), child));
			return;
		case 'call':
		case 'object':
			// A parameter wraps its tensor; an OrderedDict holds entries; a pickled module holds its state.
			if (value.kind === 'call' && _WRAPPERS.some((wrapper) => isGlobal(value.callee, 'torch._utils', wrapper))) return visit(null, value.args[0] ?? null);
			for (const [key, child] of value.entries ?? []) visit(_keyName(key), child);
			if (typeof value.state === 'object' && value.state !== null && value.state.kind === 'dict') {
				for (const [key, child] of value.state.entries) {
					const name = _keyName(key);
					visit(name !== null && _TRANSPARENT_KEYS.has(name) ? null : name, child);
				}
			}
			return;
		default:
			return;
	}
}

function _keyName(key: PickleValue): string | null {
	return typeof key === 'string' || typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean' ? String(key) : null;
}

function _counts(values: PickleValue[]): boolean {
	return values.every((value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
}

/** Row-major strides for the shape (dims of size 1 may have any stride, as torch allows). */
function _rowMajor(shape: number[], strides: number[]): boolean {
	if (shape.length !== strides.length) return false;
	let expected = 1;
	for (let dim = shape.length - 1; dim >= 0; dim--) {
		if ((shape[dim] as number) !== 1 && strides[dim] !== expected) return false;
		expected *= shape[dim] as number;
	}
	return true;
}

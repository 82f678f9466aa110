// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// What reading a model file's header gives (issue 17): each format's parser answers its own full header, and
// its `tensors` in one shape, so a version's facts and a tensor diff are computed the same way for every format.

/** One tensor as its file declares it. */
export interface TensorInfo {
	name: string;
	/** The format's own dtype name: `F32`, `BF16` (safetensors), `Q4_K` (GGUF), `FLOAT` (ONNX), `torch.float16`. */
	dtype: string;
	/** Dimensions; a symbolic ONNX dimension stays its name. */
	shape: Array<number | string>;
	/** Elements (the product of the numeric dims), or null when a dim is symbolic. */
	elements: number | null;
	/** Where its bytes are in the file, when the header says: [start, end) from the file's start. */
	byteRange?: [number, number];
}

/** Limits every parser honours, so hostile headers end in `BAD_MODEL_FILE`, never a hang or out-of-memory. */
export interface ReadLimits {
	/** Bytes of header read at most (default 64 MiB: a GGUF vocabulary of 256k tokens needs ~5 MiB). */
	maxHeaderBytes?: number;
	/** Tensors at most (default 1,000,000). */
	maxTensors?: number;
	/** Nesting at most (JSON, protobuf, pickle stacks; default 64). */
	maxDepth?: number;
}

/** The defaults of {@link ReadLimits}. */
export const DEFAULT_READ_LIMITS: Required<ReadLimits> = { maxHeaderBytes: 64 * 1024 * 1024, maxTensors: 1_000_000, maxDepth: 64 };

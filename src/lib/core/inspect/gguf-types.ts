// Node + browser: pure TypeScript, no DOM, no idb, no OPFS.
//
// The tables a GGUF header needs to be read: ggml tensor types with their block layout (so a tensor's
// byte size follows from its shape), the metadata value types, and `general.file_type` names.
// Sources: ggml `include/ggml.h` (enum ggml_type), `src/ggml.c` (type_traits: blck_size, type_size),
// `src/ggml-common.h` (the block structs' sizes, QK_K = 256), `docs/gguf.md`, and llama.cpp's
// `llama_ftype` / gguf-py `LlamaFileType` for the file types.

/** A ggml tensor type: its name as gguf-py spells it, elements per block, bytes per block. */
export interface GgmlType {
	name: string;
	blockSize: number;
	typeSize: number;
}

const QK_K = 256;

/**
 * Every ggml type a GGUF file may hold, by its number. Numbers ggml removed (4, 5: Q4_2/Q4_3; 31–33 and
 * 36–38: the repacked Q4_0_4_4… and IQ4_NL_4_4… types, never valid in a file) are absent on purpose.
 */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map<number, GgmlType>([
	[0, { name: 'F32', blockSize: 1, typeSize: 4 }],
	[1, { name: 'F16', blockSize: 1, typeSize: 2 }],
	[2, { name: 'Q4_0', blockSize: 32, typeSize: 2 + 16 }],
	[3, { name: 'Q4_1', blockSize: 32, typeSize: 2 * 2 + 16 }],
	[6, { name: 'Q5_0', blockSize: 32, typeSize: 2 + 4 + 16 }],
	[7, { name: 'Q5_1', blockSize: 32, typeSize: 2 * 2 + 4 + 16 }],
	[8, { name: 'Q8_0', blockSize: 32, typeSize: 2 + 32 }],
	[9, { name: 'Q8_1', blockSize: 32, typeSize: 2 * 2 + 32 }],
	[10, { name: 'Q2_K', blockSize: QK_K, typeSize: 2 * 2 + QK_K / 16 + QK_K / 4 }],
	[11, { name: 'Q3_K', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + 12 }],
	[12, { name: 'Q4_K', blockSize: QK_K, typeSize: 2 * 2 + 12 + QK_K / 2 }],
	[13, { name: 'Q5_K', blockSize: QK_K, typeSize: 2 * 2 + 12 + QK_K / 2 + QK_K / 8 }],
	[14, { name: 'Q6_K', blockSize: QK_K, typeSize: 2 + QK_K / 16 + (3 * QK_K) / 4 }],
	[15, { name: 'Q8_K', blockSize: QK_K, typeSize: 4 + QK_K + (QK_K / 16) * 2 }],
	[16, { name: 'IQ2_XXS', blockSize: QK_K, typeSize: 2 + (QK_K / 8) * 2 }],
	[17, { name: 'IQ2_XS', blockSize: QK_K, typeSize: 2 + (QK_K / 8) * 2 + QK_K / 32 }],
	[18, { name: 'IQ3_XXS', blockSize: QK_K, typeSize: 2 + 3 * (QK_K / 8) }],
	[19, { name: 'IQ1_S', blockSize: QK_K, typeSize: 2 + QK_K / 8 + QK_K / 16 }],
	[20, { name: 'IQ4_NL', blockSize: 32, typeSize: 2 + 16 }],
	[21, { name: 'IQ3_S', blockSize: QK_K, typeSize: 2 + 13 * (QK_K / 32) + QK_K / 64 }],
	[22, { name: 'IQ2_S', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 16 }],
	[23, { name: 'IQ4_XS', blockSize: QK_K, typeSize: 2 + 2 + QK_K / 64 + QK_K / 2 }],
	[24, { name: 'I8', blockSize: 1, typeSize: 1 }],
	[25, { name: 'I16', blockSize: 1, typeSize: 2 }],
	[26, { name: 'I32', blockSize: 1, typeSize: 4 }],
	[27, { name: 'I64', blockSize: 1, typeSize: 8 }],
	[28, { name: 'F64', blockSize: 1, typeSize: 8 }],
	[29, { name: 'IQ1_M', blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 16 + QK_K / 32 }],
	[30, { name: 'BF16', blockSize: 1, typeSize: 2 }],
	[34, { name: 'TQ1_0', blockSize: QK_K, typeSize: 2 + QK_K / 64 + (QK_K - (4 * QK_K) / 64) / 5 }],
	[35, { name: 'TQ2_0', blockSize: QK_K, typeSize: 2 + QK_K / 4 }],
	[39, { name: 'MXFP4', blockSize: 32, typeSize: 1 + 16 }],
	[40, { name: 'NVFP4', blockSize: 64, typeSize: 64 / 16 + 32 }],
	[41, { name: 'Q1_0', blockSize: 128, typeSize: 2 + 128 / 8 }],
	[42, { name: 'Q2_0', blockSize: 64, typeSize: 2 + 64 / 4 }]
]);

/** GGUF metadata value types (`gguf_metadata_value_type`), by number. */
export const GGUF_VALUE_TYPE = {
	UINT8: 0,
	INT8: 1,
	UINT16: 2,
	INT16: 3,
	UINT32: 4,
	INT32: 5,
	FLOAT32: 6,
	BOOL: 7,
	STRING: 8,
	ARRAY: 9,
	UINT64: 10,
	INT64: 11,
	FLOAT64: 12
} as const;

/** Bytes of each fixed-size value type; strings and arrays are absent (their size is in the file). */
export const GGUF_VALUE_SIZE: ReadonlyMap<number, number> = new Map([
	[0, 1],
	[1, 1],
	[2, 2],
	[3, 2],
	[4, 4],
	[5, 4],
	[6, 4],
	[7, 1],
	[10, 8],
	[11, 8],
	[12, 8]
]);

/** `general.file_type` names (llama.cpp `llama_ftype`); 5, 6 were never shipped, 33–35 are removed. */
export const GGUF_FILE_TYPES: ReadonlyMap<number, string> = new Map(
	(
		[
			'ALL_F32', 'MOSTLY_F16', 'MOSTLY_Q4_0', 'MOSTLY_Q4_1', 'MOSTLY_Q4_1_SOME_F16', 'MOSTLY_Q4_2', 'MOSTLY_Q4_3',
			'MOSTLY_Q8_0', 'MOSTLY_Q5_0', 'MOSTLY_Q5_1', 'MOSTLY_Q2_K', 'MOSTLY_Q3_K_S', 'MOSTLY_Q3_K_M', 'MOSTLY_Q3_K_L',
			'MOSTLY_Q4_K_S', 'MOSTLY_Q4_K_M', 'MOSTLY_Q5_K_S', 'MOSTLY_Q5_K_M', 'MOSTLY_Q6_K', 'MOSTLY_IQ2_XXS',
			'MOSTLY_IQ2_XS', 'MOSTLY_Q2_K_S', 'MOSTLY_IQ3_XS', 'MOSTLY_IQ3_XXS', 'MOSTLY_IQ1_S', 'MOSTLY_IQ4_NL',
			'MOSTLY_IQ3_S', 'MOSTLY_IQ3_M', 'MOSTLY_IQ2_S', 'MOSTLY_IQ2_M', 'MOSTLY_IQ4_XS', 'MOSTLY_IQ1_M', 'MOSTLY_BF16',
			'MOSTLY_Q4_0_4_4', 'MOSTLY_Q4_0_4_8', 'MOSTLY_Q4_0_8_8', 'MOSTLY_TQ1_0', 'MOSTLY_TQ2_0', 'MOSTLY_MXFP4_MOE'
		] as const
	).map((name, id) => [id, name])
);

/**
 * The name of a `general.file_type` value, or `FILE_TYPE_<n>` for one newer than this table.
 * @param id the stored number
 */
export function ggufFileTypeName(id: number): string {
	return GGUF_FILE_TYPES.get(id) ?? `FILE_TYPE_${id}`;
}

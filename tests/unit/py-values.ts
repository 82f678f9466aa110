// Seeded random Python-typed values for the model.yaml property tests: strings built from the pieces that
// change how PyYAML writes them (indicators, quotes, words that resolve to other types, breaks, spaces, non-ASCII,
// long runs past column 80), ints, floats of every magnitude, whole floats, big ints, bytes, nested lists and maps.
import { pyFloat, type PyValue } from '../../src/lib/core/pyyaml-dump.ts';
import { prng } from './catalogue-fixtures.ts';

const PIECES = [
	'a', 'word', 'x y', ' ', '  ', '\n', '\n\n', '\t', '\r', ':', ': ', ' #', '#', '-', '- ', '?', '? ', "'", '"', '\\', ',', '[', ']', '{', '}',
	'&', '*', '!', '|', '>', '%', '@', '`', '---', '...', 'yes', 'No', 'on', 'true', 'null', '~', '1', '0', '-1', '.5', '1.0', '1e5', '1.0e+5',
	'0x1f', '0o17', '0755', '1_000', '1:30', '2024-06-01', '2024-06-01 10:00:00', '<<', '=', 'ü', 'é', '€', '😀', 'Zürich', '東京', '\u0085', '\u2028',
	'\u2029', '\u00a0', '\ufeff', '\u0000', '\u001b', '\u007f', '\ud800', 'inf', '.inf', '.NaN', 'y', 'n', 'abc def ghi jkl mno pqr stu vwx yz'
];

/** A generator of documents (top-level mappings) from a seed: the same seed, the same documents. */
export function pyDocuments(seed: number): () => { [key: string]: PyValue } {
	const random = prng(seed);
	const int = (below: number) => Math.floor(random() * below);
	const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

	const text = (): string => {
		const shape = int(11);
		if (shape === 0) return '';
		if (shape === 1) {
			// A long line: words and spaces past column 80, sometimes with escapes that double-quote it.
			const words = Array.from({ length: 8 + int(30) }, () => pick(['word', 'longerword', 'a', 'x', 'ü', '😀', '"', "'", '\\', 'ab cd', '\t']));
			return words.join(pick([' ', ' ', '  ', '\n', ' \n']));
		}
		if (shape === 2) return 'z'.repeat(60 + int(120)); // no space to fold at
		if (shape === 3) return Array.from({ length: 10 + int(30) }, () => pick(['lorem', 'ipsum', 'a', 'dolor', 'sit-amet', "it's"])).join(' '); // folds plain or single-quoted
		return Array.from({ length: 1 + int(6) }, () => pick(PIECES)).join('');
	};

	const float = (): number => {
		const kind = int(8);
		if (kind === 0) return pick([Number.NaN, Infinity, -Infinity, -0, 0, 1e16, 1e-4, 1e-5, 9007199254740993, 1e300, 5e-324, 0.1, 1 / 3]);
		const magnitude = 10 ** (int(50) - 25);
		return (random() - 0.5) * 2 * magnitude;
	};

	const scalar = (): PyValue => {
		switch (int(11)) {
			case 0:
			case 1:
			case 2:
				return text();
			case 3:
				return pick([0, 1, -1, 7, 42, -2, 123456789, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
			case 4:
				return float();
			case 5:
				return pyFloat(pick([0, 1, -2, 100, -0, 1e15, 1e16, 1e20, 12345]));
			case 6:
				return pick([2n ** 63n, -(2n ** 64n) - 1n, 10n ** 30n]);
			case 7:
				return pick([true, false, null]);
			case 8:
				return Uint8Array.from({ length: pick([0, 1, 2, 3, 56, 57, 58, 120]) }, () => int(256));
			default:
				return text();
		}
	};

	const value = (depth: number): PyValue => {
		const kind = depth >= 4 ? 0 : int(6);
		if (kind === 4) return Array.from({ length: int(4) }, () => value(depth + 1));
		if (kind === 5) return mapping(depth + 1);
		return scalar();
	};

	const key = (): string => (int(12) === 0 ? pick(['', 'k'.repeat(121), 'k'.repeat(122), 'k'.repeat(123), 'ü'.repeat(122), 'a\nb', '- a', 'null', '1']) : text());

	const mapping = (depth: number): { [key: string]: PyValue } => {
		const entries: [string, PyValue][] = Array.from({ length: int(5) }, () => [key(), value(depth)]);
		return Object.fromEntries(entries);
	};

	return () => {
		const doc = mapping(0);
		return Object.keys(doc).length > 0 ? doc : { empty: {} };
	};
}

// Core: PEM ⇄ DER for the keys signing uses (SPKI public keys, PKCS#8 private keys, SEC1 EC private keys), and
// base64 and UTF-8 without browser globals (the core's lib is plain ES2022). No crypto here: the worker owns WebCrypto.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Map([...ALPHABET].map((char, index) => [char, index]));

/** Standard base64 (with padding). */
export function toBase64(bytes: Uint8Array): string {
	let out = '';
	for (let i = 0; i < bytes.length; i += 3) {
		const [a, b, c] = [bytes[i]!, bytes[i + 1], bytes[i + 2]];
		const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
		out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + (b === undefined ? '=' : ALPHABET[(n >> 6) & 63]!) + (c === undefined ? '=' : ALPHABET[n & 63]!);
	}
	return out;
}

/** Decodes standard base64 (whitespace ignored); undefined when it is not base64. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
	const clean = text.replace(/\s+/g, '');
	if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
	const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
	const out = new Uint8Array((clean.length / 4) * 3 - padding);
	let o = 0;
	for (let i = 0; i < clean.length; i += 4) {
		const n = [0, 1, 2, 3].reduce((acc, k) => (acc << 6) | (LOOKUP.get(clean[i + k]!) ?? 0), 0);
		for (const shift of [16, 8, 0]) if (o < out.length) out[o++] = (n >> shift) & 255;
	}
	return out;
}

/** UTF-8 bytes of a string (the core has no TextEncoder). */
export function utf8Bytes(text: string): Uint8Array<ArrayBuffer> {
	const binary = unescape(encodeURIComponent(text));
	return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** A string from UTF-8 bytes; throws URIError on malformed UTF-8. */
export function utf8Text(bytes: Uint8Array): string {
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return decodeURIComponent(escape(binary));
}

/** A PEM block's label and DER bytes. */
export interface PemBlock {
	label: string;
	der: Uint8Array<ArrayBuffer>;
}

/** The PEM blocks of a text in order (a block whose body is not base64 is left out). */
export function readPem(text: string): PemBlock[] {
	// One pass for the END lines, one for the BEGIN lines. A single regex with a back-reference to the label
	// (`BEGIN (…)-----[\s\S]*?-----END \1`) rescans the rest of the text from every BEGIN without an END: a pasted
	// 1 MiB of BEGIN lines took minutes (issue 22, found by fuzzing).
	const ends = new Map<string, { at: number[]; next: number }>();
	// A lookahead, so that END lines sharing dashes (`-----END A-----END B-----`) are all found, as the regex found them.
	for (const match of text.matchAll(/(?=-----END ([A-Z0-9 ]+)-----)/g)) {
		const list = ends.get(match[1]!) ?? { at: [], next: 0 };
		ends.set(match[1]!, list);
		list.at.push(match.index);
	}
	const blocks: PemBlock[] = [];
	const begin = /-----BEGIN ([A-Z0-9 ]+)-----/g;
	for (let match = begin.exec(text); match !== null; match = begin.exec(text)) {
		const label = match[1]!;
		const bodyStart = match.index + match[0].length;
		const list = ends.get(label) ?? { at: [], next: 0 };
		// A label's END lines are passed in order, never revisited: linear overall.
		while (list.next < list.at.length && list.at[list.next]! < bodyStart) list.next++;
		const end = list.at[list.next];
		if (end === undefined) {
			begin.lastIndex = match.index + 1; // a BEGIN line may start inside this one's closing dashes
			continue;
		}
		const der = fromBase64(text.slice(bodyStart, end));
		if (der && der.length > 0) blocks.push({ label, der });
		begin.lastIndex = end + `-----END ${label}-----`.length;
	}
	return blocks;
}

/** A PEM block with 64-character lines, as openssl writes it. */
export function writePem(label: string, der: Uint8Array): string {
	const body = toBase64(der).replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
	return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

// DER: ecPublicKey (1.2.840.10045.2.1) with prime256v1 (1.2.840.10045.3.1.7), as PKCS#8 names an EC P-256 key.
const EC_P256_ALGORITHM = [0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/** A DER length's bytes. */
function derLength(length: number): number[] {
	if (length < 0x80) return [length];
	const bytes: number[] = [];
	for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 255);
	return [0x80 | bytes.length, ...bytes];
}

/** A DER TLV. */
export function derTlv(tag: number, content: Uint8Array | number[]): Uint8Array<ArrayBuffer> {
	return new Uint8Array([tag, ...derLength(content.length), ...content]);
}

/**
 * The PKCS#8 DER of a signing key PEM: `PRIVATE KEY` as is, or `EC PRIVATE KEY` (SEC1, what
 * `openssl ecparam -genkey` prints) wrapped in PKCS#8 naming P-256. Undefined for anything else
 * (encrypted keys included: the shelf cannot ask for their passphrase).
 */
export function pkcs8FromPem(text: string): Uint8Array<ArrayBuffer> | undefined {
	// `openssl ecparam -genkey` prints an EC PARAMETERS block first: the key is the block with the right label.
	const blocks = readPem(text);
	const pkcs8 = blocks.find((block) => block.label === 'PRIVATE KEY');
	if (pkcs8) return pkcs8.der;
	const sec1 = blocks.find((block) => block.label === 'EC PRIVATE KEY');
	return sec1 && derTlv(0x30, [0x02, 0x01, 0x00, ...EC_P256_ALGORITHM, ...derTlv(0x04, sec1.der)]);
}

/** The SPKI DER of a `PUBLIC KEY` PEM, or undefined. */
export function spkiFromPem(text: string): Uint8Array<ArrayBuffer> | undefined {
	return readPem(text).find((block) => block.label === 'PUBLIC KEY')?.der;
}

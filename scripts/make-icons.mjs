// Draws the app icons (a shelf holding model blocks) as PNGs, so no binary is edited by hand.
// Run: node scripts/make-icons.mjs  (writes static/icons/icon-{192,512}.png and maskable-512.png)
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';

const BACKGROUND = [31, 78, 121];
const SHELF = [230, 237, 243];
const BLOCKS = [[121, 184, 255], [255, 196, 87], [126, 217, 154]];

function drawIcon(size, { maskable }) {
	const pixels = Buffer.alloc(size * size * 4);
	const radius = maskable ? 0 : size * 0.18;
	const inset = maskable ? size * 0.2 : size * 0.12;
	const unit = (size - 2 * inset) / 10;
	for (let y = 0; y < size; y++) {
		for (let x = 0; x < size; x++) {
			const color = insideRoundedSquare(x, y, size, radius) ? pick(x - inset, y - inset, unit) : null;
			const offset = (y * size + x) * 4;
			if (color) pixels.set([...color, 255], offset);
		}
	}
	return encodePng(size, pixels);
}

function pick(x, y, unit) {
	const row = Math.floor(y / (unit * 5));
	const yInRow = y - row * unit * 5;
	if (x < 0 || y < 0 || x > unit * 10 || row > 1) return BACKGROUND;
	if (yInRow > unit * 4 && yInRow <= unit * 4.6) return SHELF;
	const column = Math.floor(x / (unit * 2.5));
	const xInColumn = x - column * unit * 2.5;
	const height = [3.6, 2.6, 3.2, 2.2][(column + row) % 4] * unit;
	if (xInColumn > unit * 0.4 && xInColumn < unit * 2.1 && yInRow > unit * 4 - height && yInRow <= unit * 4) {
		return BLOCKS[(column + row * 2) % BLOCKS.length];
	}
	return BACKGROUND;
}

function insideRoundedSquare(x, y, size, radius) {
	const cx = Math.min(Math.max(x, radius), size - radius);
	const cy = Math.min(Math.max(y, radius), size - radius);
	return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

function encodePng(size, rgba) {
	const raw = Buffer.alloc((size * 4 + 1) * size);
	for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
	const header = Buffer.alloc(13);
	header.writeUInt32BE(size, 0);
	header.writeUInt32BE(size, 4);
	header.set([8, 6, 0, 0, 0], 8);
	return Buffer.concat([
		Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(raw, { level: 9 })),
		chunk('IEND', Buffer.alloc(0))
	]);
}

function chunk(type, data) {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(body));
	return Buffer.concat([length, body, crc]);
}

function crc32(bytes) {
	let crc = ~0;
	for (const byte of bytes) {
		crc ^= byte;
		for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
	}
	return ~crc >>> 0;
}

mkdirSync('static/icons', { recursive: true });
writeFileSync('static/icons/icon-192.png', drawIcon(192, { maskable: false }));
writeFileSync('static/icons/icon-512.png', drawIcon(512, { maskable: false }));
writeFileSync('static/icons/maskable-512.png', drawIcon(512, { maskable: true }));

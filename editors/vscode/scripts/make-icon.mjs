// Draws the extension's icon, images/icon.png: a dark editor tile with two lines of code, a
// cursor, and the rest of the second line as faint "ghost text". It needs only node (zlib), so
// anyone can regenerate the committed PNG: `node scripts/make-icon.mjs`.

import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 128;
const SAMPLES = 4; // Supersampling per axis, for smooth rounded corners.

const BACKGROUND = [30, 34, 46];
const CODE = [137, 180, 250];
const KEYWORD = [203, 166, 247];
const CURSOR = [245, 245, 245];
const GHOST = [110, 118, 140];

// Shapes in 128-pixel coordinates, later ones on top: [x, y, width, height, radius, colour].
const SHAPES = [
  [0, 0, 128, 128, 24, BACKGROUND],
  [20, 34, 26, 12, 6, KEYWORD],
  [52, 34, 46, 12, 6, CODE],
  [32, 58, 30, 12, 6, CODE],
  [66, 52, 5, 24, 2, CURSOR],
  [76, 58, 32, 12, 6, GHOST],
  [32, 82, 50, 12, 6, GHOST],
];

function inside(px, py, [x, y, w, h, r]) {
  if (px < x || px >= x + w || py < y || py >= y + h) return false;
  const cx = Math.min(Math.max(px, x + r), x + w - r);
  const cy = Math.min(Math.max(py, y + r), y + h - r);
  return (px - cx) ** 2 + (py - cy) ** 2 <= r * r;
}

const pixels = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) {
  const row = y * (SIZE * 4 + 1);
  pixels[row] = 0; // PNG filter type "none".
  for (let x = 0; x < SIZE; x++) {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const px = x + (sx + 0.5) / SAMPLES;
        const py = y + (sy + 0.5) / SAMPLES;
        let colour;
        for (const shape of SHAPES) {
          if (inside(px, py, shape)) colour = shape[5];
        }
        if (colour !== undefined) {
          sum[0] += colour[0];
          sum[1] += colour[1];
          sum[2] += colour[2];
          sum[3] += 255;
        }
      }
    }
    const n = SAMPLES * SAMPLES;
    const covered = sum[3] / 255;
    const at = row + 1 + x * 4;
    for (let c = 0; c < 3; c++) pixels[at + c] = covered ? Math.round(sum[c] / covered) : 0;
    pixels[at + 3] = Math.round(sum[3] / n);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // Bit depth.
header[9] = 6; // Colour type RGBA.
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(pixels, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../images/icon.png', import.meta.url), png);

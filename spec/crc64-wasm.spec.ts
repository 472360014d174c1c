import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crc64, crc64, crc64Combine, crc64Portable } from '../lib/checksum/crc64.ts';
import { loadWasmCrc64, WASM_CHUNK } from '../lib/checksum/crc64-wasm.ts';
import { CRC64_WASM_BASE64 } from '../lib/checksum/crc64-wasm-module.ts';
import { assembleWat } from './helpers/wat.ts';

const WAT = new URL('../lib/checksum/crc64.wat', import.meta.url).pathname;
const MODULE = new URL('../lib/checksum/crc64-wasm-module.ts', import.meta.url).pathname;
const MASK64 = (1n << 64n) - 1n;

const kernel = loadWasmCrc64(crc64Combine);
/** CRC through the WebAssembly kernel alone (raw register in and out). */
function wasmCrc(data: Uint8Array, seed = 0n): bigint {
  if (!kernel) throw new Error('WebAssembly kernel unavailable');
  return kernel(seed ^ MASK64, data) ^ MASK64;
}

describe('CRC-64 WebAssembly kernel', () => {
  it('is assembled from crc64.wat (the embedded bytes match the source)', async () => {
    const bytes = await assembleWat(WAT);
    if (process.env.UPDATE_WASM === '1') {
      const lines = bytes.toString('base64').match(/.{1,96}/g) ?? [];
      writeFileSync(
        MODULE,
        `// Generated from crc64.wat by spec/crc64-wasm.spec.ts (UPDATE_WASM=1); do not edit by hand.\nexport const CRC64_WASM_BASE64 =\n${lines.map((l) => `  '${l}'`).join(' +\n')};\n`,
      );
    }
    expect(Buffer.from(CRC64_WASM_BASE64, 'base64').equals(bytes)).toBe(true);
    expect(readFileSync(MODULE, 'utf8')).toContain('do not edit by hand');
  });

  it('loads here', () => {
    expect(kernel).toBeTypeOf('function');
  });

  it('gives the check values of docs/checksums.md', () => {
    expect(wasmCrc(Buffer.from('123456789'))).toBe(11051210869376104954n);
    expect(wasmCrc(Buffer.from('This is a test of the emergency broadcast system.'))).toBe(
      2871916124362751090n,
    );
    expect(wasmCrc(Buffer.alloc(0))).toBe(0n);
  });

  it('agrees with the byte-wise implementation around lane and chunk boundaries', () => {
    const data = randomBytes(3 * WASM_CHUNK + 4099);
    const sizes = [
      1,
      7,
      8,
      31,
      32,
      33,
      4095,
      4096,
      65_535,
      65_536 + 24,
      WASM_CHUNK - 1,
      WASM_CHUNK,
    ];
    sizes.push(WASM_CHUNK + 1, 2 * WASM_CHUNK + 31, data.length);
    for (const size of sizes) {
      for (const offset of [0, 1, 3, 5]) {
        const slice = data.subarray(offset, Math.min(data.length, offset + size));
        expect(wasmCrc(slice), `size ${size} offset ${offset}`).toBe(crc64Portable(slice));
      }
    }
  });

  it('continues from a seed and matches Crc64 on random chunkings (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300_000 }),
        fc.array(fc.nat({ max: 200_000 }), { maxLength: 5 }),
        (bytes, cuts) => {
          const data = Buffer.from(bytes);
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const incremental = new Crc64();
          let previous = 0;
          for (const point of [...points, data.length]) {
            incremental.update(data.subarray(previous, point));
            previous = point;
          }
          const expected = crc64Portable(data);
          expect(incremental.digest()).toBe(expected);
          expect(crc64(data)).toBe(expected);
          const half = Math.floor(data.length / 2);
          expect(wasmCrc(data.subarray(half), crc64Portable(data.subarray(0, half)))).toBe(
            expected,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

import { CRC64_WASM_BASE64 } from './crc64-wasm-module.ts';

/** Reflected ECMA-182 polynomial, as in crc64.ts. */
const POLY = 0xc96c5795d7870f42n;
const MASK64 = (1n << 64n) - 1n;
/** Input is copied to this offset of the module's memory; the tables sit below it. */
const INPUT_OFFSET = 16_384;
/** Largest input per call (the module has 18 pages: tables + 1 MiB). */
export const WASM_CHUNK = 1024 * 1024;
/** Below this a lane is not worth its combine (a few µs of BigInt maths). */
const MIN_LANE = 16 * 1024;

export type Combine = (crc1: bigint, crc2: bigint, len2: number) => bigint;

// The project's TypeScript libs (ES2024 + @types/node) do not declare WebAssembly; these are
// the few members used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

interface Exports {
  memory: { buffer: ArrayBuffer };
  lanes4(c0: bigint, c1: bigint, c2: bigint, c3: bigint, p: number, len: number): bigint;
  update(register: bigint, p: number, len: number): bigint;
  r1: { value: unknown };
  r2: { value: unknown };
  r3: { value: unknown };
}

/**
 * The WebAssembly kernel: slicing-by-8 on i64 tables, four lanes at once (measured ~2.0 GB/s
 * with the copy into its memory, against ~1.4 GB/s for the JavaScript slicing-by-8 on 32-bit
 * halves). Returns undefined where WebAssembly is unavailable; callers fall back to JavaScript.
 */
export function loadWasmCrc64(
  combine: Combine,
): ((register: bigint, data: Uint8Array) => bigint) | undefined {
  if (!('WebAssembly' in globalThis)) return undefined;
  let exports: Exports;
  try {
    const module = new WebAssembly.Module(Buffer.from(CRC64_WASM_BASE64, 'base64'));
    exports = new WebAssembly.Instance(module).exports as unknown as Exports;
  } catch {
    return undefined;
  }
  const tables = new BigUint64Array(exports.memory.buffer, 0, 8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ POLY : c >> 1n;
    tables[i] = c;
  }
  for (let k = 1; k < 8; k++) {
    for (let i = 0; i < 256; i++) {
      const previous = tables[(k - 1) * 256 + i] as bigint;
      tables[k * 256 + i] = (previous >> 8n) ^ (tables[Number(previous & 0xffn)] as bigint);
    }
  }
  const memory = new Uint8Array(exports.memory.buffer);

  /** Raw register in, raw register out (the register is the bitwise NOT of the CRC). */
  return (register, data) => {
    for (let offset = 0; offset < data.length; offset += WASM_CHUNK) {
      const n = Math.min(WASM_CHUNK, data.length - offset);
      memory.set(data.subarray(offset, offset + n), INPUT_OFFSET);
      const lane = Math.floor(n / 32) * 8;
      if (lane < MIN_LANE) {
        register = exports.update(register, INPUT_OFFSET, n);
        continue;
      }
      const r0 = exports.lanes4(register, MASK64, MASK64, MASK64, INPUT_OFFSET, lane);
      let crc = (r0 ^ MASK64) & MASK64;
      for (const global of [exports.r1, exports.r2, exports.r3]) {
        crc = combine(crc, (BigInt.asUintN(64, global.value as bigint) ^ MASK64) & MASK64, lane);
      }
      register = (crc ^ MASK64) & MASK64;
      const rest = n - 4 * lane;
      if (rest > 0) register = exports.update(register, INPUT_OFFSET + 4 * lane, rest);
    }
    return BigInt.asUintN(64, register);
  };
}

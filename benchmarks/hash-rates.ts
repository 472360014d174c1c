/**
 * `node benchmarks/hash-rates.ts [bytes]`: single-core MD5 and CRC-64 rates of this machine,
 * as JSON (the same measurement `npm run bench` takes every round).
 */
import { measureHashRates } from './harness/measure-hash-rates.ts';

const arg = process.argv[2];
const rates = await measureHashRates(arg === undefined ? {} : { bytes: Number(arg) });
console.log(JSON.stringify(rates));

import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';

/** Assemble a .wat file with wabt (the reference WebAssembly text assembler). */
export async function assembleWat(path: string): Promise<Buffer> {
  const wabt = await wabtInit();
  const module = wabt.parseWat(path, readFileSync(path, 'utf8'));
  try {
    return Buffer.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

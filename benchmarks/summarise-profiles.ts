/**
 * `node benchmarks/summarise-profiles.ts DIR`: self time by function, file and kind of work
 * over the V8 CPU profiles (`node --cpu-prof`, one file per thread) in DIR, as JSON.
 */
import { summariseProfiles } from './harness/profile.ts';

const dir = process.argv[2];
if (!dir)
  throw new Error('usage: node benchmarks/summarise-profiles.ts <dir with .cpuprofile files>');
console.log(JSON.stringify(await summariseProfiles(dir), null, 2));

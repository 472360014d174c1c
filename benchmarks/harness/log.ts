/** Progress of a benchmark run, on stderr (stdout stays free for results). */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

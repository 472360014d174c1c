import { type EmulatorStats, OPERATION_NAMES, type OperationName } from './types.ts';

function zeroes(): Record<OperationName, number> {
  return Object.fromEntries(OPERATION_NAMES.map((name) => [name, 0])) as Record<
    OperationName,
    number
  >;
}

/** Counters exposed as `emulator.stats`; the server reports into it through the methods below. */
export class Stats implements EmulatorStats {
  requests = zeroes();
  inFlight = 0;
  maxInFlight: Record<OperationName, number> & { all: number } = { ...zeroes(), all: 0 };
  clientAborts = 0;
  bytesReceived = 0;
  readonly #current = zeroes();

  reset(): void {
    this.requests = zeroes();
    this.maxInFlight = { ...zeroes(), all: this.inFlight };
    for (const name of OPERATION_NAMES) this.maxInFlight[name] = this.#current[name];
    this.clientAborts = 0;
    this.bytesReceived = 0;
  }

  requestStarted(): void {
    this.inFlight += 1;
    if (this.inFlight > this.maxInFlight.all) this.maxInFlight.all = this.inFlight;
  }

  requestEnded(): void {
    this.inFlight -= 1;
  }

  operationStarted(operation: OperationName): void {
    this.requests[operation] += 1;
    const now = ++this.#current[operation];
    if (now > this.maxInFlight[operation]) this.maxInFlight[operation] = now;
  }

  operationEnded(operation: OperationName): void {
    this.#current[operation] -= 1;
  }
}

// Fault injection: fixed latency, seeded random throttling, and one-shot errors for named operations.
import { seededRandom } from './random.js';

export interface InjectedError {
  code: string;
  message: string;
  /** HTTP status; default 400. */
  status?: number;
  /**
   * A lost answer: the operation is carried out (its effect applied) and this error is answered
   * instead of its result, as when a response is lost on the way back. The SDK may then retry a
   * call that has in fact already succeeded.
   */
  afterApplying?: boolean;
}

export class Faults {
  latencyMs: number;
  private throttleRate = 0;
  private readonly random: () => number;
  private readonly queued = new Map<string, { error: InjectedError; remaining: number; skip: number }[]>();

  constructor(options: { latencyMs: number; throttleRate: number; seed: number }) {
    this.latencyMs = options.latencyMs;
    this.setThrottleRate(options.throttleRate);
    // A stream of its own, so throttling never shifts generated ids (and vice versa).
    this.random = seededRandom(options.seed ^ 0x5eed7e57);
  }

  setThrottleRate(rate: number): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`throttle rate must be within [0, 1], got ${rate}`);
    this.throttleRate = rate;
  }

  /** One draw per eligible call, so a given seed throttles the same call numbers every run. */
  shouldThrottle(): boolean {
    if (this.throttleRate <= 0) return false;
    if (this.throttleRate >= 1) return true;
    return this.random() < this.throttleRate;
  }

  /** The next `times` calls of `operation` fail, after `skip` calls of it have been answered as usual. */
  failNext(operation: string, error: InjectedError, times = 1, skip = 0): void {
    const list = this.queued.get(operation) ?? [];
    list.push({ error, remaining: times, skip });
    this.queued.set(operation, list);
  }

  takeFailure(operation: string): InjectedError | undefined {
    const list = this.queued.get(operation);
    const head = list?.[0];
    if (!list || !head) return undefined;
    if (head.skip > 0) {
      head.skip -= 1;
      return undefined;
    }
    if (--head.remaining <= 0) list.shift();
    return head.error;
  }
}

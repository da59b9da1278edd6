// Call counting: every request that reached an operation, throttled and failed attempts included,
// so a benchmark sees the true cost of a scan (retries and all).
import type { Scope } from './arns.js';

export class CallCounter {
  private readonly byOperation = new Map<string, number>();
  private readonly byScope = new Map<string, number>();
  private throttled = 0;

  record(operation: string, scope: Scope): void {
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
    const scoped = `${scope.accountId}/${scope.region}/${operation}`;
    this.byScope.set(scoped, (this.byScope.get(scoped) ?? 0) + 1);
  }

  recordThrottle(): void {
    this.throttled++;
  }

  /** "glue:GetMLTransforms" → n */
  counts(): Record<string, number> {
    return Object.fromEntries(this.byOperation);
  }

  /** "111111111111/eu-west-1/glue:GetMLTransforms" → n */
  countsByScope(): Record<string, number> {
    return Object.fromEntries(this.byScope);
  }

  throttledCount(): number {
    return this.throttled;
  }

  reset(): void {
    this.byOperation.clear();
    this.byScope.clear();
    this.throttled = 0;
  }
}

// CloudWatch metrics in the Embedded Metric Format (Powertools Metrics): each metric is one JSON
// line on stdout that CloudWatch Logs turns into a metric, so no PutMetricData permission and no
// call on the request's path. Namespace from POWERTOOLS_METRICS_NAMESPACE (serverless.yml).
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Status } from '../checks/types.js';

export const METRICS_NAMESPACE = 'glue-encrypt';

let instance: Metrics | undefined;

/** The function's Metrics, made on first use (its settings come from the environment then). */
function metrics(): Metrics {
  instance ??= new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'glue-encrypt' });
  return instance;
}

/** One metric with its own dimensions, written at once (nothing is left to flush at the end of an invocation). */
function emit(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, dimensions: Record<string, string>): void {
  const single = metrics().singleMetric();
  for (const [key, v] of Object.entries(dimensions)) single.addDimension(key, v);
  single.addMetric(name, unit, value);
}

/** Findings of a check by status (FAIL is what an alarm on posture would watch). */
export function recordFindings(counts: Record<Status, number>): void {
  for (const [status, count] of Object.entries(counts)) emit('Findings', MetricUnit.Count, count, { Status: status });
}

/** How a remediation request ended: completed, rolled_back, failed, rejected or expired. */
export function recordRemediationOutcome(kind: string, outcome: string): void {
  emit('RemediationOutcomes', MetricUnit.Count, 1, { Kind: kind, Outcome: outcome });
}

/** Slack answered a Web API call with HTTP 429. */
export function recordSlackRateLimited(method: string): void {
  emit('SlackRateLimited', MetricUnit.Count, 1, { Method: method });
}

/** How long the slack function took to answer Slack (which gives up after 3 s). */
export function recordAck(kind: 'command' | 'interaction' | 'other', milliseconds: number): void {
  emit('AckTime', MetricUnit.Milliseconds, milliseconds, { Kind: kind });
}

// The EMF metrics an operator graphs and alarms on, as the real handlers write them: findings by
// status, remediation outcomes, Slack's 429s and how long Slack waited for an answer.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE } from '../../src/operations/metrics.js';
import { DEMO_TRANSFORM_IDS } from '../../src/sandbox/fixtures.js';
import { ALICE, BOB, CAROL, decideVia, mustGet, requestRemediation, startWorld, type World } from './helpers.js';

// The harness turns metrics off for the demo's sake; this file is about them.
vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

let w: World;
const lines: EmfLine[] = [];
beforeAll(async () => {
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    for (const line of String(chunk).split('\n')) {
      if (!line.startsWith('{"_aws"')) continue;
      lines.push(JSON.parse(line) as EmfLine);
      return true;
    }
    return write(chunk, ...(rest as []));
  });
  w = await startWorld();
});
afterAll(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await w.close();
});

/** The values of metric `name`, each with its dimensions. */
const values = (name: string) =>
  lines
    .filter((l) => l._aws.CloudWatchMetrics[0]!.Metrics.some((m) => m.Name === name))
    .map((l) => ({ value: l[name] as number, dims: Object.fromEntries(l._aws.CloudWatchMetrics[0]!.Dimensions[0]!.map((d) => [d, l[d]])) }));

describe('EMF metrics', () => {
  it('writes findings by status after a check, in the glue-encrypt namespace', async () => {
    await w.h.command('check');
    await w.h.settle();
    const findings = values('Findings');
    expect(findings.map((f) => f.dims.Status).sort()).toEqual(['ERROR', 'FAIL', 'PASS', 'WAIVED', 'WARN']);
    expect(findings.find((f) => f.dims.Status === 'FAIL')!.value).toBeGreaterThan(0);
    expect(lines.every((l) => l._aws.CloudWatchMetrics[0]!.Namespace === METRICS_NAMESPACE)).toBe(true);
  });

  it('times every answer to Slack, by kind', async () => {
    const acks = values('AckTime');
    expect(acks.some((a) => a.dims.Kind === 'command' && a.value > 0)).toBe(true);
    expect(lines.find((l) => 'AckTime' in l)!._aws.CloudWatchMetrics[0]!.Metrics[0]!.Unit).toBe('Milliseconds');
  });

  it("counts Slack's 429s by method, and each remediation's outcome", async () => {
    const req = await requestRemediation(w, ALICE);
    w.h.slack.rateLimitNext('usergroups.users.list', 5);
    await decideVia(w, 'approve', req, CAROL); // refused: the group could not be read
    expect(values('SlackRateLimited')).toContainEqual({ value: 1, dims: expect.objectContaining({ Method: 'usergroups.users.list' }) });
    await decideVia(w, 'approve', req, BOB);
    await w.h.settle();
    expect((await mustGet(w, req.id)).status).toBe('completed');
    const other = await requestRemediation(w, ALICE, DEMO_TRANSFORM_IDS['vendor-match']);
    await decideVia(w, 'reject', other, BOB);
    await w.h.settle();
    const outcomes = values('RemediationOutcomes').map((o) => `${o.dims.Kind} ${o.dims.Outcome} ${o.value}`);
    expect(outcomes).toEqual(['remediate completed 1', 'remediate rejected 1']);
  });
});

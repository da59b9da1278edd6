// Evidence for auditors through the real handlers: /glue-encrypt report uploads a CSV (one row
// per transform and one per audit event) or JSON (valid against docs/evidence-report.schema.json);
// the CLI writes the same and OCSF Compliance Findings.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { parseCsv } from '../csv.js';
import { SANDBOX_CHANNEL } from '../../src/sandbox/harness.js';
import { withoutZeroWidthSpaces } from '../../src/slack/views/blocks.js';
import { ALICE, BOB, blocksText, eventsOfToday, requestRemediation, startWorld, type World } from './helpers.js';

let w: World | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await w?.close();
  w = undefined;
});

async function ask(world: World, text: string, user = ALICE): Promise<string> {
  const res = await world.h.command(text, { user });
  expect(res.statusCode).toBe(200);
  const ack = JSON.parse(res.body) as { text: string; blocks?: never[] };
  return withoutZeroWidthSpaces(`${ack.text}\n${blocksText(ack.blocks ?? [])}`);
}

const schema = JSON.parse(readFileSync(join(process.cwd(), 'docs', 'evidence-report.schema.json'), 'utf8')) as object;

describe('/glue-encrypt report', () => {
  it('uploads a CSV with one row per transform and one per audit event, saying when, by whom and from which scan', async () => {
    w = await startWorld();
    await requestRemediation(w, ALICE);
    const audited = (await eventsOfToday(w)).length;
    expect(await ask(w, 'report', BOB)).toContain('Preparing the evidence report');
    await w.h.settle();
    const [file] = w.h.slack.sharedFiles();
    expect(file).toMatchObject({ channel: SANDBOX_CHANNEL, filename: expect.stringMatching(/^glue-encrypt-evidence-\d{4}-\d{2}-\d{2}\.csv$/) });
    expect(file!.initialComment).toMatch(/^Evidence report made \S+ by <@U0BOB> from the scan of \S+: 11 transforms, \d+ audit events since \d{4}-\d{2}-\d{2}\.$/);
    const [header, ...rows] = parseCsv(file!.content);
    expect(header![0]).toBe('record_type');
    for (const r of rows) expect(r).toHaveLength(header!.length);
    expect(rows.filter((r) => r[0] === 'transform')).toHaveLength(11);
    // Every event up to the report (its own export event is written after the file).
    expect(rows.filter((r) => r[0] === 'audit_event').length).toBe(audited);
    const at = header!.indexOf('generated_by');
    expect(new Set(rows.map((r) => r[at]))).toEqual(new Set([BOB]));
    expect((await eventsOfToday(w)).filter((e) => e.type === 'report.exported').map((e) => e.actor)).toEqual([BOB]);
  });

  it('uploads JSON that validates against the schema in the repo', async () => {
    w = await startWorld();
    await requestRemediation(w, ALICE);
    await ask(w, 'report --format json', BOB);
    await w.h.settle();
    const report = JSON.parse(w.h.slack.sharedFiles()[0]!.content) as { findings: unknown[]; auditEvents: unknown[] };
    const ajv = new Ajv2020({ allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.findings).toHaveLength(11);
    expect(report.auditEvents.length).toBeGreaterThan(0);
    // The schema is not a formality: a report missing its author fails it.
    expect(validate({ ...report, generatedBy: undefined })).toBe(false);
  });

  it.each([
    ['report --since 2020-01-01', /at most 92 days/],
    ['report --since 2999-01-01', /is in the future/],
    ['report --since yesterday', /"yesterday" is not a date/],
    ['report --format xml', /"xml" is not a report format/],
  ])('answers %j with a usage error and uploads nothing', async (text, message) => {
    w = await startWorld();
    expect(await ask(w, text)).toMatch(message);
    await w.h.settle();
    expect(w.h.slack.sharedFiles()).toHaveLength(0);
  });
});

describe('glue-encrypt report (CLI)', () => {
  it('writes OCSF Compliance Findings with the attributes the class requires', async () => {
    w = await startWorld();
    const out = join(mkdtempSync(join(tmpdir(), 'evidence-')), 'ocsf.json');
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const code = await main(['report', '--format', 'ocsf', '--out', out]);
    expect(code).toBe(1); // failures in the demo estate
    const events = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>[];
    expect(events).toHaveLength(11);
    for (const e of events) {
      for (const field of ['activity_id', 'category_uid', 'class_uid', 'type_uid', 'severity_id', 'time', 'metadata', 'finding_info', 'compliance', 'cloud']) expect(e, field).toHaveProperty(field);
      expect(e).toMatchObject({ class_uid: 2003, category_uid: 2, type_uid: 200301, metadata: { version: '1.1.0', product: { name: 'glue-encrypt' } }, cloud: { provider: 'AWS' } });
      expect((e.finding_info as { uid: string; title: string }).uid).toMatch(/^glue-encrypt\/111111111111\//);
      expect((e.compliance as { standards: string[] }).standards.length).toBeGreaterThan(0);
    }
    expect(events.filter((e) => (e.compliance as { status: string }).status === 'Fail').length).toBeGreaterThan(0);
  });

  it('refuses a bad --format or --since with exit code 2', async () => {
    w = await startWorld();
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
    expect(await main(['report', '--format', 'pdf'])).toBe(2);
    expect(await main(['report', '--since', '2999-01-01'])).toBe(2);
    expect(errors.join('\n')).toMatch(/"pdf" is not a report format[\s\S]*in the future/);
  });
});

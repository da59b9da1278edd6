#!/usr/bin/env node
// The same engine from a terminal:
//   glue-encrypt check [<transform id or name>] [--region r1,r2] [--account id,...] [--json]
//   glue-encrypt demo      (everything on the embedded sandbox)
// Exit codes: 0 no failures, 1 failures, 2 could not run.
import { parseArgs } from 'node:util';

// The SDK versions are pinned by package-lock.json; its notice about releases after January
// 2027 needing Node 22 is known (README, Troubleshooting) and would only clutter the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { runScan, scanOptionsFrom } from './inventory/scan.js';
import { waiverSource } from './waivers/source.js';
import { parseCommand } from './slack/commands.js';
import { exitCode, toJson, toTable } from './cli/report.js';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuditLog, auditEventsSince, type AuditEvent } from './audit/auditLog.js';
import { evidenceCsv } from './evidence/csv.js';
import { toOcsf } from './evidence/ocsf.js';
import { buildEvidence, checkSince, defaultSince } from './evidence/report.js';

/** The product version OCSF events name. */
const VERSION = '0.1.0';

const USAGE = `Usage:
  glue-encrypt check [<transform id or name>] [--region r1,r2] [--account 123456789012,...] [--json]
  glue-encrypt report [--since YYYY-MM-DD] [--format csv|json|ocsf] [--out FILE]
  glue-encrypt demo
  glue-encrypt help

check   checks Glue ML transforms for encryption at rest with the AWS credentials and endpoint
        settings of this environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_GLUE, ...).
        --json prints every transform with its status and reasons.
        Exit code: 0 nothing failed; 1 a transform failed or could not be evaluated, or the
        named transform was not found; 2 the check could not run (bad configuration or
        arguments), or nothing failed but some account or region could not be read.
report  evidence for auditors: every transform's finding with its controls, and the audit trail
        (GLUE_ENCRYPT_AUDIT_TABLE) from --since (default 30 days ago, at most 92) on: csv (one
        row per transform and per audit event), json (docs/evidence-report.schema.json) or ocsf
        (OCSF 1.1.0 Compliance Findings, one per transform), to --out or standard output.
demo    starts the embedded sandbox (Glue, KMS, STS, Lambda, Step Functions, DynamoDB and
        Slack stand-ins) and shows, through the real Lambda handlers, a Slack-signed check, a
        remediation approved by a second person, a revert and the audit trail.`;

/** The CLI reads the waivers where the bot keeps them; without the table it says the findings are shown without them. */
function cliWaivers(config: AppConfig) {
  const source = waiverSource(config);
  if (!source) console.error('GLUE_ENCRYPT_STATE_TABLE is not set: accepted risks (waivers) are not applied, so waived transforms show as FAIL.');
  return source;
}

async function check(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { region: { type: 'string', multiple: true }, account: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  });
  // Validate with the same grammar the slash command uses, so both accept the same things.
  const words = ['check', ...positionals.map((p) => (/\s/.test(p) ? `"${p}"` : p))];
  if (values.region?.length) words.push('--region', values.region.join(','));
  if (values.account?.length) words.push('--account', values.account.join(','));
  const parsed = parseCommand(words.join(' '));
  if (parsed.kind !== 'check') {
    console.error(parsed.kind === 'invalid' ? parsed.error : USAGE);
    return 2;
  }
  const config = loadConfig();
  const progress = process.stderr.isTTY
    ? (p: { done: number; total: number; transforms: number }) =>
        process.stderr.write(`\rChecked ${p.done}/${p.total} account-regions, ${p.transforms} transforms…`)
    : undefined;
  const result = await runScan(
    { regions: parsed.regions, accounts: parsed.accounts, transform: parsed.transform },
    { ...scanOptionsFrom(config), onProgress: progress, waivers: cliWaivers(config) },
  );
  if (progress) process.stderr.write('\r\u001b[K');
  console.log(values.json ? toJson(result) : toTable(result, process.stdout.isTTY));
  return exitCode(result);
}

async function report(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { since: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } } });
  const now = new Date();
  const since = values.since ?? defaultSince(now);
  const format = values.format ?? 'csv';
  const problem = checkSince(since, now) ?? (['csv', 'json', 'ocsf'].includes(format) ? undefined : `"${format}" is not a report format: csv, json or ocsf.`);
  if (problem) {
    console.error(problem);
    return 2;
  }
  const config = loadConfig();
  const scan = await runScan({}, { ...scanOptionsFrom(config), waivers: cliWaivers(config) });
  let events: AuditEvent[] = [];
  if (config.tables.audit) events = await auditEventsSince(new AuditLog(new DynamoDBClient({}), config.tables.audit), since, now);
  else console.error('GLUE_ENCRYPT_AUDIT_TABLE is not set: the report has the findings and no audit trail.');
  const evidence = buildEvidence({ scan, audit: events, generatedAt: now, generatedBy: `cli:${userInfo().username}`, since });
  const text = format === 'csv' ? evidenceCsv(evidence) : `${JSON.stringify(format === 'json' ? evidence : toOcsf(evidence, VERSION), null, 2)}\n`;
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  return exitCode(scan);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await check(rest);
      case 'report':
        return await report(rest);
      case 'demo': {
        const { runDemo } = await import('./demo.js');
        return await runDemo();
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        console.error(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error((err as Error).message);
      return 2;
    }
    console.error(`glue-encrypt could not run: ${(err as Error).message}`);
    return 2;
  }
}

// Run when executed directly (npm scripts use tsx src/cli.ts); the bin shim calls main() itself.
if (/cli\.(ts|js)$/.test(process.argv[1] ?? '')) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

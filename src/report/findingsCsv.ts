// A scan's findings as CSV, one row per transform, for a spreadsheet: what Slack cannot list
// in a message goes into a file in the thread.
import type { Finding } from '../checks/types.js';

/** A transform's columns, in this order, in every CSV the bot writes (findings, evidence). */
export const FINDING_COLUMNS = [
  'account_id',
  'region',
  'transform_id',
  'name',
  'status',
  'severity',
  'reason_codes',
  'reasons',
  'controls',
  'kms_key',
  'security_configuration',
] as const;

const COLUMNS = [...FINDING_COLUMNS, 'label_count'] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A value a
 * spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a leading
 * apostrophe: a transform name is anyone's to choose.
 */
export function csvField(value: string | number | undefined): string {
  let text = value === undefined ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row per finding (a scan's, or a digest's). */
export function findingsCsv(result: { findings: readonly Finding[] }): string {
  const rows = result.findings.map((f) =>
    [
      f.accountId,
      f.region,
      f.transformId,
      f.name,
      f.status,
      f.severity,
      f.reasons.map((r) => r.code).join(' '),
      f.reasons.map((r) => r.message).join(' | '),
      f.controls.join('; '),
      f.encryption.kmsKeyId,
      f.encryption.securityConfigurationName,
      f.labelCount,
    ]
      .map(csvField)
      .join(','),
  );
  // CRLF line ends, as RFC 4180 and spreadsheets expect.
  return `${[COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

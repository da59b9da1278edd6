// The AWS Security Finding Format (ASFF) rules of the Security Hub stand-in: which findings
// BatchImportFindings accepts, how a new finding is completed, what a later import may change in
// a finding that exists, and what BatchUpdateFindings (the customer's side) changes.
// Findings are kept as plain JSON objects, exactly as the SDK sent them plus what the service adds.
import { isObject, type JsonObject } from './input.js';

/** "Security Hub accepts up to 100 findings per batch, up to 240 KB per finding, and up to 6 MB per batch" (User Guide). */
export const MAX_FINDINGS_PER_BATCH = 100;
export const MAX_FINDING_BYTES = 240 * 1024;
export const MAX_BATCH_BYTES = 6 * 1024 * 1024;

/** "In the current release, the AWS Security Finding Format schema version is 2018-10-08." */
export const SCHEMA_VERSION = '2018-10-08';

export const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export const WORKFLOW_STATUSES = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'] as const;
export const VERIFICATION_STATES = ['UNKNOWN', 'TRUE_POSITIVE', 'FALSE_POSITIVE', 'BENIGN_POSITIVE'] as const;
const RECORD_STATES = ['ACTIVE', 'ARCHIVED'] as const;
const COMPLIANCE_STATUSES = ['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE'] as const;

/** A finding that failed, as BatchImportFindings reports it in FailedFindings. */
export interface ImportRejection {
  code: string;
  message: string;
}

// ---- small readers ----------------------------------------------------------------------------

export function stringAt(value: unknown, ...path: string[]): string | undefined {
  let at = value;
  for (const key of path) at = isObject(at) ? at[key] : undefined;
  return typeof at === 'string' ? at : undefined;
}

function objectAt(value: JsonObject, key: string): JsonObject | undefined {
  const member = value[key];
  return isObject(member) ? member : undefined;
}

const isOneOf = (allowed: readonly string[], value: unknown): boolean => typeof value === 'string' && allowed.includes(value);

// ---- validation -------------------------------------------------------------------------------

// The real service words schema failures the way its JSON-schema validator does, e.g.
// "Finding does not adhere to Amazon Finding Format. data should have required property 'Title'."
// (ErrorCode InvalidInput, as seen in public bug reports); the details below follow that style.
export function schemaRejection(detail: string): ImportRejection {
  return { code: 'InvalidInput', message: `Finding does not adhere to Amazon Finding Format. ${detail}.` };
}

/** Required top-level ASFF attributes that are strings, with the length limits the ASFF reference gives. */
const REQUIRED_STRINGS: Record<string, number> = {
  SchemaVersion: Infinity,
  Id: 512,
  ProductArn: Infinity,
  GeneratorId: 512,
  AwsAccountId: Infinity,
  CreatedAt: Infinity,
  UpdatedAt: Infinity,
  Title: 256,
  Description: 1024,
};

/** ISO 8601 as the ASFF timestamp formats allow it: up to 9 fractional digits, Z or an offset. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)$/;

/** Milliseconds since the epoch of an ASFF timestamp (fraction cut to milliseconds), NaN if malformed. */
export function instantOf(timestamp: string): number {
  const match = TIMESTAMP.exec(timestamp);
  if (!match) return NaN;
  const [, fraction = '', zone = 'Z'] = match;
  const base = timestamp.slice(0, 19);
  const offset = zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return Date.parse(`${base}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`);
}

function requiredStringsViolation(finding: JsonObject): string | undefined {
  for (const [name, maxLength] of Object.entries(REQUIRED_STRINGS)) {
    const value = finding[name];
    if (value === undefined || value === null) return `data should have required property '${name}'`;
    if (typeof value !== 'string') return `data.${name} should be string`;
    if (value.trim() === '') return `data.${name} should NOT be shorter than 1 characters`;
    if (value.length > maxLength) return `data.${name} should NOT be longer than ${maxLength} characters`;
  }
  return undefined;
}

function schemaVersionViolation(finding: JsonObject): string | undefined {
  return finding.SchemaVersion === SCHEMA_VERSION ? undefined : 'data.SchemaVersion should be equal to one of the allowed values';
}

function timestampsViolation(finding: JsonObject): string | undefined {
  for (const name of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt']) {
    const value = finding[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || Number.isNaN(instantOf(value))) return `data.${name} should match format "date-time"`;
  }
  return undefined;
}

/** "Resources": 1 to 32 resources, each with a Type and an Id. */
function resourcesViolation(finding: JsonObject): string | undefined {
  const resources = finding.Resources;
  if (resources === undefined || resources === null) return "data should have required property 'Resources'";
  if (!Array.isArray(resources)) return 'data.Resources should be array';
  if (resources.length < 1) return 'data.Resources should NOT have fewer than 1 items';
  if (resources.length > 32) return 'data.Resources should NOT have more than 32 items';
  for (const [i, resource] of resources.entries()) {
    if (!isObject(resource)) return `data.Resources[${i}] should be object`;
    for (const name of ['Type', 'Id']) {
      if (typeof resource[name] !== 'string' || resource[name] === '') return `data.Resources[${i}] should have required property '${name}'`;
    }
  }
  return undefined;
}

function severityValueViolation(severity: JsonObject, where: string): string | undefined {
  if (severity.Label !== undefined && !isOneOf(SEVERITY_LABELS, severity.Label)) return `${where}.Label should be equal to one of the allowed values`;
  const normalized = severity.Normalized;
  if (normalized !== undefined && !(Number.isInteger(normalized) && (normalized as number) >= 0 && (normalized as number) <= 100)) {
    return `${where}.Normalized should be an integer between 0 and 100`;
  }
  return undefined;
}

/**
 * "The finding must have either Label or Normalized populated ... If neither attribute is
 * populated, then the finding is invalid." Providers may give it in FindingProviderFields instead.
 */
function severityViolation(finding: JsonObject): string | undefined {
  const top = objectAt(finding, 'Severity');
  const provided = objectAt(objectAt(finding, 'FindingProviderFields') ?? {}, 'Severity');
  const invalid = (top && severityValueViolation(top, 'data.Severity')) ?? (provided && severityValueViolation(provided, 'data.FindingProviderFields.Severity'));
  if (invalid) return invalid;
  const hasSeverity = (top && (top.Label !== undefined || top.Normalized !== undefined)) || provided?.Label !== undefined;
  return hasSeverity ? undefined : "data should have required property 'Severity'";
}

/** "Types": one or more (at most 50) finding types, top level or in FindingProviderFields. */
function typesViolation(finding: JsonObject): string | undefined {
  const candidates: [string, unknown][] = [
    ['data.Types', finding.Types],
    ['data.FindingProviderFields.Types', objectAt(finding, 'FindingProviderFields')?.Types],
  ];
  let found = false;
  for (const [where, types] of candidates) {
    if (types === undefined) continue;
    if (!Array.isArray(types) || types.some((t) => typeof t !== 'string')) return `${where} should be array of strings`;
    if (types.length < 1) return `${where} should NOT have fewer than 1 items`;
    if (types.length > 50) return `${where} should NOT have more than 50 items`;
    found = true;
  }
  return found ? undefined : "data should have required property 'Types'";
}

function enumsViolation(finding: JsonObject): string | undefined {
  const checks: [string, unknown, readonly string[]][] = [
    ['data.Workflow.Status', objectAt(finding, 'Workflow')?.Status, WORKFLOW_STATUSES],
    ['data.RecordState', finding.RecordState, RECORD_STATES],
    ['data.Compliance.Status', objectAt(finding, 'Compliance')?.Status, COMPLIANCE_STATUSES],
    ['data.VerificationState', finding.VerificationState, VERIFICATION_STATES],
  ];
  const bad = checks.find(([, value, allowed]) => value !== undefined && !isOneOf(allowed, value));
  return bad && `${bad[0]} should be equal to one of the allowed values`;
}

/** Why an imported finding breaks the ASFF (its first problem), or undefined if it is valid. */
export function asffViolation(finding: JsonObject): string | undefined {
  return (
    requiredStringsViolation(finding) ??
    schemaVersionViolation(finding) ??
    timestampsViolation(finding) ??
    resourcesViolation(finding) ??
    severityViolation(finding) ??
    typesViolation(finding) ??
    enumsViolation(finding)
  );
}

// ---- completing and updating findings ---------------------------------------------------------

/** The attributes a provider sets through FindingProviderFields (API reference, FindingProviderFields). */
const PROVIDER_FIELDS = ['Confidence', 'Criticality', 'RelatedFindings', 'Severity', 'Types'] as const;
/** "For an existing finding, finding providers cannot use BatchImportFindings to update" these (User Guide). */
const CUSTOMER_FIELDS = ['Note', 'UserDefinedFields', 'VerificationState', 'Workflow'] as const;

/** Label from Normalized: "0 INFORMATIONAL, 1–39 LOW, 40–69 MEDIUM, 70–89 HIGH, 90–100 CRITICAL" (API reference, Severity). */
function labelOf(normalized: number): string {
  if (normalized === 0) return 'INFORMATIONAL';
  if (normalized < 40) return 'LOW';
  if (normalized < 70) return 'MEDIUM';
  if (normalized < 90) return 'HIGH';
  return 'CRITICAL';
}

const NORMALIZED_OF_LABEL: Record<string, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 40, HIGH: 70, CRITICAL: 90 };

/** "If only one of these attributes is populated, then Security Hub automatically populates the other one." */
function withBothSeverityValues(severity: unknown): JsonObject | undefined {
  if (!isObject(severity)) return undefined;
  const label = typeof severity.Label === 'string' ? severity.Label : undefined;
  const normalized = typeof severity.Normalized === 'number' ? severity.Normalized : undefined;
  if (label === undefined && normalized !== undefined) return { ...severity, Label: labelOf(normalized) };
  if (label !== undefined && normalized === undefined) return { ...severity, Normalized: NORMALIZED_OF_LABEL[label] };
  return { ...severity };
}

function copyMember(to: JsonObject, from: JsonObject, field: string): void {
  if (from[field] === undefined) delete to[field];
  else to[field] = structuredClone(from[field]);
}

/**
 * A new finding as Security Hub stores it: Label and Normalized both set, FindingProviderFields
 * populated from the top level "if it is empty" (API reference), the top level taken from
 * FindingProviderFields where only those were given (sandbox assumption), workflow NEW ("the initial
 * state of a finding"), record ACTIVE and the Region the finding was imported in.
 */
export function completeNewFinding(imported: JsonObject, region: string): JsonObject {
  const finding = structuredClone(imported);
  const provided = objectAt(finding, 'FindingProviderFields') ?? {};
  for (const field of PROVIDER_FIELDS) if (finding[field] === undefined && provided[field] !== undefined) finding[field] = structuredClone(provided[field]);
  if (Object.keys(provided).length === 0) {
    const populated: JsonObject = {};
    for (const field of PROVIDER_FIELDS) if (finding[field] !== undefined) populated[field] = structuredClone(finding[field]);
    finding.FindingProviderFields = populated;
  }
  finding.Severity = withBothSeverityValues(finding.Severity);
  if (!isObject(finding.Workflow) || finding.Workflow.Status === undefined) finding.Workflow = { ...objectAt(finding, 'Workflow'), Status: 'NEW' };
  finding.RecordState ??= 'ACTIVE';
  finding.Region ??= region;
  return finding;
}

/**
 * "Security Hub also resets the workflow status from NOTIFIED or RESOLVED to NEW" when an archived
 * finding is made active again or its compliance status changes from PASSED to WARNING, FAILED or
 * NOT_AVAILABLE (API reference, Workflow). SUPPRESSED stays as it is.
 */
function reopens(previous: JsonObject, next: JsonObject): boolean {
  const reactivated = previous.RecordState === 'ARCHIVED' && next.RecordState === 'ACTIVE';
  const failingAgain = stringAt(previous, 'Compliance', 'Status') === 'PASSED' && ['WARNING', 'FAILED', 'NOT_AVAILABLE'].includes(stringAt(next, 'Compliance', 'Status') ?? '');
  return reactivated || failingAgain;
}

/**
 * An import of a finding that exists: the provider's new version, except that
 * - CreatedAt stays that of the first import (sandbox assumption, see the report),
 * - Note, UserDefinedFields, VerificationState and Workflow are kept: "Any content in those fields
 *   and objects is ignored" (User Guide, restricted fields),
 * - Confidence, Criticality, RelatedFindings, Severity and Types change only "if they have not been
 *   updated by BatchUpdateFindings" (User Guide), the provider's value read from the top level or
 *   from FindingProviderFields,
 * - the workflow is reset to NEW when the finding reopens (see `reopens`).
 */
export function importedUpdate(stored: JsonObject, imported: JsonObject, updatedByCustomer: ReadonlySet<string>): JsonObject {
  const next = structuredClone(imported);
  next.CreatedAt = stored.CreatedAt;
  for (const field of CUSTOMER_FIELDS) copyMember(next, stored, field);
  const provided = objectAt(imported, 'FindingProviderFields') ?? {};
  for (const field of PROVIDER_FIELDS) {
    const offered = imported[field] ?? provided[field];
    if (updatedByCustomer.has(field) || offered === undefined) copyMember(next, stored, field);
    else next[field] = structuredClone(offered);
  }
  if (next.FindingProviderFields === undefined && stored.FindingProviderFields !== undefined) next.FindingProviderFields = structuredClone(stored.FindingProviderFields);
  next.Severity = withBothSeverityValues(next.Severity);
  next.RecordState ??= stored.RecordState;
  next.Region ??= stored.Region;
  const status = stringAt(next, 'Workflow', 'Status');
  if ((status === 'NOTIFIED' || status === 'RESOLVED') && reopens(stored, next)) next.Workflow = { ...objectAt(next, 'Workflow'), Status: 'NEW' };
  return next;
}

/** A BatchUpdateFindings request's changes, already validated: the members it sets, as sent. */
export type CustomerUpdate = Partial<Record<(typeof CUSTOMER_FIELDS)[number] | (typeof PROVIDER_FIELDS)[number], unknown>>;

/** The new value of one member a BatchUpdateFindings request sets. */
function customerValue(finding: JsonObject, field: string, value: unknown, now: Date): unknown {
  switch (field) {
    case 'Severity': {
      // A new Label (or Normalized) brings its own counterpart; only the provider's Product is kept.
      const product = objectAt(finding, 'Severity')?.Product;
      return withBothSeverityValues({ ...(product === undefined ? {} : { Product: product }), ...(value as JsonObject) });
    }
    case 'Workflow':
      return { ...objectAt(finding, 'Workflow'), ...(value as JsonObject) };
    case 'Note':
      return { ...(value as JsonObject), UpdatedAt: now.toISOString() };
    default:
      return structuredClone(value);
  }
}

/**
 * Applies a BatchUpdateFindings update in place and returns the top-level fields it set. Its
 * "updates don't affect the value for the UpdatedAt field" (API reference); a note is stamped with
 * the time it was written (sandbox clock).
 */
export function applyCustomerUpdate(finding: JsonObject, update: CustomerUpdate, now: Date): string[] {
  const fields = Object.keys(update).filter((field) => update[field as keyof CustomerUpdate] !== undefined);
  for (const field of fields) finding[field] = customerValue(finding, field, update[field as keyof CustomerUpdate], now);
  return fields;
}

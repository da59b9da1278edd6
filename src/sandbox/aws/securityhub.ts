// AWS Security Hub CSPM (REST-JSON, signing name "securityhub"): an account's own findings under
// its default product (BatchImportFindings), the customer's workflow updates (BatchUpdateFindings)
// and GetFindings with string filters and paging. Each account and region has a hub of its own,
// off until `SecurityHub.enable`; the ASFF rules live in securityhub-asff.ts.
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { Scope } from './arns.js';
import { scopeKey } from './arns.js';
import type { Caller } from './auth.js';
import { AwsError, securityHubError } from './errors.js';
import { isObject, parseJsonBody, storedAs, type JsonObject } from './input.js';
import { paginate } from './paging.js';
import { jsonResponse } from './protocol.js';
import {
  MAX_BATCH_BYTES,
  MAX_FINDING_BYTES,
  MAX_FINDINGS_PER_BATCH,
  SEVERITY_LABELS,
  VERIFICATION_STATES,
  WORKFLOW_STATUSES,
  applyCustomerUpdate,
  asffViolation,
  completeNewFinding,
  importedUpdate,
  instantOf,
  schemaRejection,
  stringAt,
  type CustomerUpdate,
  type ImportRejection,
} from './securityhub-asff.js';
import { findingFilter } from './securityhub-filters.js';
import type { Service } from './service.js';

// ---- routing ----------------------------------------------------------------------------------

/** The operations' HTTP bindings, as in the SDK's serializers. */
const OPERATIONS_BY_ROUTE: Record<string, string> = {
  'POST /findings/import': 'BatchImportFindings',
  'PATCH /findings/batchupdate': 'BatchUpdateFindings',
  'POST /findings': 'GetFindings',
};

export function securityHubOperation(method: string, path: string): string | undefined {
  return OPERATIONS_BY_ROUTE[`${method} ${path.split('?')[0] ?? ''}`];
}

// ---- state ------------------------------------------------------------------------------------

export interface StoredFinding {
  /** Creation order: GetFindings lists findings in it, and a NextToken remembers it. */
  seq: number;
  finding: JsonObject;
  /** Top-level fields BatchUpdateFindings has set: an import no longer changes the provider fields among them. */
  updatedByCustomer: Set<string>;
}

export interface FindingIdentifier {
  Id: string;
  ProductArn: string;
}

const findingKey = (id: FindingIdentifier) => `${id.ProductArn}\n${id.Id}`;

/**
 * Security Hub in every account and region, reached from an `AwsSandbox` as `sandbox.securityHub`.
 * Enable it where the app may send findings; read what it holds with `findings`.
 */
export class SecurityHub {
  private readonly enabledHubs = new Set<string>();
  private readonly hubs = new Map<string, Map<string, StoredFinding>>();
  private seq = 0;

  constructor(private readonly now: () => number) {}

  // ---- seeding and reading --------------------------------------------------------------------

  /** Turns Security Hub on for `accountId` in `region` (EnableSecurityHub). It is off everywhere until then. */
  enable(accountId: string, region: string): void {
    this.enabledHubs.add(scopeKey({ accountId, region }));
  }

  isEnabled(accountId: string, region: string): boolean {
    return this.enabledHubs.has(scopeKey({ accountId, region }));
  }

  /** Every finding stored for `accountId` in `region`, in the order they were created (copies). */
  findings(accountId: string, region: string): AwsSecurityFinding[] {
    return this.storedIn({ accountId, region }).map((stored) => storedAs<AwsSecurityFinding>(stored.finding));
  }

  // ---- for securityHubService -----------------------------------------------------------------

  storedIn(scope: Scope): StoredFinding[] {
    return [...(this.hubs.get(scopeKey(scope))?.values() ?? [])];
  }

  /**
   * Creates or updates one (authorised, ASFF-valid) finding. "If ID does match an existing finding"
   * an update whose UpdatedAt "occurs before UpdatedAt on the existing finding ... is ignored"
   * (User Guide); the ignored import still counts as a success (sandbox assumption).
   */
  importFinding(scope: Scope, imported: JsonObject): void {
    const hub = this.hubOf(scope);
    const key = findingKey({ Id: String(imported.Id), ProductArn: String(imported.ProductArn) });
    const stored = hub.get(key);
    if (!stored) {
      hub.set(key, { seq: ++this.seq, finding: completeNewFinding(imported, scope.region), updatedByCustomer: new Set() });
      return;
    }
    if (instantOf(String(imported.UpdatedAt)) < instantOf(String(stored.finding.UpdatedAt))) return;
    stored.finding = importedUpdate(stored.finding, imported, stored.updatedByCustomer);
  }

  /** Applies a BatchUpdateFindings update to one finding; false if the hub has no such finding. */
  updateFinding(scope: Scope, identifier: FindingIdentifier, update: CustomerUpdate): boolean {
    const stored = this.hubs.get(scopeKey(scope))?.get(findingKey(identifier));
    if (!stored) return false;
    for (const field of applyCustomerUpdate(stored.finding, update, new Date(this.now()))) stored.updatedByCustomer.add(field);
    return true;
  }

  private hubOf(scope: Scope): Map<string, StoredFinding> {
    const key = scopeKey(scope);
    let hub = this.hubs.get(key);
    if (!hub) {
      hub = new Map();
      this.hubs.set(key, hub);
    }
    return hub;
  }
}

// ---- errors -----------------------------------------------------------------------------------

const invalidInput = (message: string) => securityHubError('InvalidInputException', message, 400);

/** The message public reports quote for any call in an account and region where Security Hub is off. */
const notSubscribedMessage = (caller: Caller) => `Account ${caller.accountId} is not subscribed to AWS Security Hub`;

/** InvalidAccessException is HTTP 401 in the service model. */
function requireEnabled(hub: SecurityHub, caller: Caller): void {
  if (!hub.isEnabled(caller.accountId, caller.region)) throw securityHubError('InvalidAccessException', notSubscribedMessage(caller), 401);
}

/** Wording of AWS request validation, e.g. for a list longer than the model allows (sandbox's choice of wording). */
function constraintViolation(member: string, constraint: string): AwsError {
  return invalidInput(`1 validation error detected: Value at '${member}' failed to satisfy constraint: ${constraint}`);
}

// ---- BatchImportFindings ----------------------------------------------------------------------

const PRODUCT_ARN = /^arn:([a-z-]+):securityhub:([a-z0-9-]+):(\d{12})?:product\/([^/]+)\/([^/]+)$/;

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** "The maximum allowed size for a finding is 240 Kb. An error is returned for any finding larger than 240 Kb." */
function findingsOf(input: JsonObject, body: string): unknown[] {
  const findings = input.Findings;
  if (!Array.isArray(findings)) throw invalidInput("1 validation error detected: Value null at 'findings' failed to satisfy constraint: Member must not be null");
  if (findings.length > MAX_FINDINGS_PER_BATCH) {
    throw constraintViolation('findings', `Member must have length less than or equal to ${MAX_FINDINGS_PER_BATCH}`);
  }
  if (Buffer.byteLength(body, 'utf8') > MAX_BATCH_BYTES) throw invalidInput('The request payload exceeds the 6 MB limit of BatchImportFindings');
  return findings;
}

/**
 * Under the default product, BatchImportFindings "must be called by ... the account that is
 * associated with the findings": AwsAccountId must be the caller's account, and the ProductArn
 * `arn:<partition>:securityhub:<region>:<account>:product/<account>/default` its own, in the region
 * called. The real service refuses the whole call with AccessDeniedException naming the product
 * ARN (AWS Support, as quoted in prowler-cloud/prowler#867); partner products are not modelled.
 */
function authorizeImport(caller: Caller, findings: unknown[]): void {
  const own = `arn:${partitionOf(caller.region)}:securityhub:${caller.region}:${caller.accountId}:product/${caller.accountId}/default`;
  for (const finding of findings) {
    const productArn = stringAt(finding, 'ProductArn');
    if (productArn === undefined) continue; // left to the ASFF check of that finding
    // A malformed product ARN fails the whole call (as public reports quote it).
    if (!PRODUCT_ARN.test(productArn)) throw invalidInput(`productArn: "${productArn}"`);
    const accountId = stringAt(finding, 'AwsAccountId');
    if (productArn !== own || (accountId !== undefined && accountId !== caller.accountId)) {
      throw securityHubError(
        'AccessDeniedException',
        `User: ${caller.arn} is not authorized to perform: securityhub:BatchImportFindings on resource: ${productArn}`,
        403,
      );
    }
  }
}

/** Why one finding is not imported, or undefined if it is. */
function rejectionOf(hub: SecurityHub, caller: Caller, finding: unknown): ImportRejection | undefined {
  // "If Security Hub is disabled ... the findings are returned in the FailedFindings list, with an InvalidAccess error."
  if (!hub.isEnabled(caller.accountId, caller.region)) return { code: 'InvalidAccess', message: notSubscribedMessage(caller) };
  if (!isObject(finding)) return schemaRejection('data should be object');
  // The error code for an oversized finding is not documented for imports; BatchUpdateFindings calls it FindingSizeExceeded.
  if (Buffer.byteLength(JSON.stringify(finding), 'utf8') > MAX_FINDING_BYTES) return { code: 'FindingSizeExceeded', message: 'Finding size exceeded 240 KB' };
  const violation = asffViolation(finding);
  if (violation) return schemaRejection(violation);
  hub.importFinding(caller, finding);
  return undefined;
}

function batchImportFindings(hub: SecurityHub, caller: Caller, input: JsonObject, body: string) {
  const findings = findingsOf(input, body);
  authorizeImport(caller, findings);
  const FailedFindings = findings.flatMap((finding) => {
    const rejection = rejectionOf(hub, caller, finding);
    return rejection ? [{ Id: stringAt(finding, 'Id') ?? '', ErrorCode: rejection.code, ErrorMessage: rejection.message }] : [];
  });
  return { FailedCount: FailedFindings.length, SuccessCount: findings.length - FailedFindings.length, FailedFindings };
}

// ---- BatchUpdateFindings ----------------------------------------------------------------------

/** "BatchUpdateFindings can be used to update up to 100 findings at a time." */
function identifiersOf(input: JsonObject): FindingIdentifier[] {
  const list = input.FindingIdentifiers;
  if (!Array.isArray(list) || list.length === 0) throw constraintViolation('findingIdentifiers', 'Member must have length greater than or equal to 1');
  if (list.length > MAX_FINDINGS_PER_BATCH) throw constraintViolation('findingIdentifiers', `Member must have length less than or equal to ${MAX_FINDINGS_PER_BATCH}`);
  return list.map((item) => {
    const Id = stringAt(item, 'Id');
    const ProductArn = stringAt(item, 'ProductArn');
    if (!Id || !ProductArn) throw invalidInput('Each finding identifier needs an Id and a ProductArn');
    return { Id, ProductArn };
  });
}

function checkEnum(value: unknown, allowed: readonly string[], member: string): void {
  if (value !== undefined && !(typeof value === 'string' && allowed.includes(value))) {
    throw constraintViolation(member, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
}

function checkScore(value: unknown, member: string): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 100)) {
    throw constraintViolation(member, 'Member must have value between 0 and 100');
  }
}

/** The members of a BatchUpdateFindings request that change findings, checked against the model. */
function customerUpdateOf(input: JsonObject): CustomerUpdate {
  const { Note, Severity, VerificationState, Confidence, Criticality, Types, UserDefinedFields, Workflow, RelatedFindings } = input;
  if (Note !== undefined && !(typeof stringAt(Note, 'Text') === 'string' && typeof stringAt(Note, 'UpdatedBy') === 'string')) {
    throw invalidInput('Note needs a Text and an UpdatedBy');
  }
  if (Severity !== undefined) {
    checkEnum(stringAt(Severity, 'Label'), SEVERITY_LABELS, 'severity.label');
    checkScore((Severity as JsonObject).Normalized, 'severity.normalized');
  }
  checkEnum(VerificationState, VERIFICATION_STATES, 'verificationState');
  checkScore(Confidence, 'confidence');
  checkScore(Criticality, 'criticality');
  if (Workflow !== undefined) checkEnum(stringAt(Workflow, 'Status'), WORKFLOW_STATUSES, 'workflow.status');
  return { Note, Severity, VerificationState, Confidence, Criticality, Types, UserDefinedFields, Workflow, RelatedFindings };
}

/**
 * UnprocessedFindings use the documented codes: DuplicatedFindingIdentifier ("The request included
 * two or more findings with the same FindingIdentifier") and FindingNotFound.
 */
function batchUpdateFindings(hub: SecurityHub, caller: Caller, input: JsonObject) {
  requireEnabled(hub, caller);
  const identifiers = identifiersOf(input);
  const update = customerUpdateOf(input);
  const occurrences = new Map<string, number>();
  for (const id of identifiers) occurrences.set(findingKey(id), (occurrences.get(findingKey(id)) ?? 0) + 1);
  const ProcessedFindings: FindingIdentifier[] = [];
  const UnprocessedFindings: { FindingIdentifier: FindingIdentifier; ErrorCode: string; ErrorMessage: string }[] = [];
  for (const id of identifiers) {
    if ((occurrences.get(findingKey(id)) ?? 0) > 1) UnprocessedFindings.push({ FindingIdentifier: id, ErrorCode: 'DuplicatedFindingIdentifier', ErrorMessage: 'Finding Identifier is duplicated' });
    else if (!hub.updateFinding(caller, id, update)) UnprocessedFindings.push({ FindingIdentifier: id, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding Not Found' });
    else ProcessedFindings.push(id);
  }
  return { ProcessedFindings, UnprocessedFindings };
}

// ---- GetFindings ------------------------------------------------------------------------------

/** MaxResults: 1 to 100 (as GetFindingsV2 documents it); without it the sandbox answers pages of 100. */
const MAX_RESULTS = 100;

function maxResultsOf(input: JsonObject): number {
  const value = input.MaxResults;
  if (value === undefined || value === null) return MAX_RESULTS;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_RESULTS) {
    throw constraintViolation('maxResults', `Member must have value between 1 and ${MAX_RESULTS}`);
  }
  return value as number;
}

/** Findings of the caller's account and region, oldest first, filtered and paged. */
function getFindings(hub: SecurityHub, caller: Caller, input: JsonObject) {
  requireEnabled(hub, caller);
  if (input.SortCriteria !== undefined) throw invalidInput('The sandbox does not support SortCriteria: findings come oldest first');
  const matches = findingFilter(input.Filters);
  const limit = maxResultsOf(input);
  const token = input.NextToken;
  if (token !== undefined && token !== null && typeof token !== 'string') throw invalidInput('NextToken must be a string');
  const page = paginate(
    hub.storedIn(caller).filter((stored) => matches(stored.finding)),
    { sortKey: (stored) => [stored.seq], limit, token: token || undefined, presorted: true, invalidTokenCode: 'InvalidInputException' },
  );
  return { Findings: page.items.map((stored) => stored.finding), NextToken: page.nextToken };
}

// ---- the service ------------------------------------------------------------------------------

type Operation = (hub: SecurityHub, caller: Caller, input: JsonObject, body: string) => unknown;

const OPERATIONS: Record<string, Operation> = {
  BatchImportFindings: batchImportFindings,
  BatchUpdateFindings: batchUpdateFindings,
  GetFindings: getFindings,
};

export function securityHubService(hub: SecurityHub): Service {
  return {
    name: 'securityhub',
    protocol: 'rest-json',
    async handle({ caller, operation, body, requestId }) {
      const run = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
      if (!run) throw new AwsError('UnknownOperationException', `Operation ${operation} is not supported by the sandbox`, 404);
      return jsonResponse('rest-json', run(hub, caller, parseJsonBody(body), body), requestId);
    },
  };
}

// AWS Security Hub through the real SDK client: importing findings under the account's default
// product, updating them in place, what an import may not change, GetFindings filters and paging,
// who may import, Security Hub turned off, and faults.
import {
  AccessDeniedException,
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  InvalidAccessException,
  InvalidInputException,
  SecurityHubClient,
  paginateGetFindings,
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
} from '@aws-sdk/client-securityhub';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsSandbox, SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY } from '../../src/sandbox/aws/index.js';
import { rejection } from './clients.js';

const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';
const REGION = 'eu-west-1';
const PRODUCT_ARN = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';
const T2 = '2026-01-03T00:00:00.000Z';

let sandbox: AwsSandbox;

beforeEach(async () => {
  sandbox = await AwsSandbox.start({ defaultAccountId: ACCOUNT, defaultRegion: REGION });
  sandbox.securityHub.enable(ACCOUNT, REGION);
});

afterEach(() => sandbox.close());

/** Credentials the sandbox maps to `accountId` (an ASIA key that encodes it). */
const credentialsOf = (accountId: string) =>
  accountId === ACCOUNT
    ? { accessKeyId: SANDBOX_ACCESS_KEY_ID, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY }
    : { accessKeyId: `ASIA${accountId}EXAMPLE`, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY };

function hubClient(options: { region?: string; accountId?: string; maxAttempts?: number } = {}): SecurityHubClient {
  return new SecurityHubClient({
    endpoint: sandbox.endpoint,
    region: options.region ?? REGION,
    credentials: credentialsOf(options.accountId ?? ACCOUNT),
    maxAttempts: options.maxAttempts ?? 1,
  });
}

/** A valid ASFF finding of the default account's own default product. */
function finding(id: string, overrides: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: PRODUCT_ARN,
    GeneratorId: 'glue-encrypt/test',
    AwsAccountId: ACCOUNT,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: T0,
    UpdatedAt: T0,
    Severity: { Label: 'HIGH' },
    Title: `Finding ${id}`,
    Description: 'A transform is not encrypted.',
    Resources: [{ Type: 'Other', Id: `arn:aws:glue:${REGION}:${ACCOUNT}:mlTransform/${id}` }],
    Compliance: { Status: 'FAILED' },
    ...overrides,
  };
}

/** A finding with `member` removed, for the required-attribute checks. */
function without(member: keyof AwsSecurityFinding, id: string): AwsSecurityFinding {
  const f = finding(id);
  delete f[member];
  return f;
}

const importFindings = (findings: AwsSecurityFinding[], client = hubClient()) => client.send(new BatchImportFindingsCommand({ Findings: findings }));
const stored = (accountId = ACCOUNT, region = REGION) => sandbox.securityHub.findings(accountId, region);
const storedById = (id: string) => stored().find((f) => f.Id === id);

async function allFindings(filters?: AwsSecurityFindingFilters, pageSize?: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  for await (const page of paginateGetFindings({ client: hubClient(), pageSize }, { Filters: filters })) {
    pages++;
    ids.push(...(page.Findings ?? []).map((f) => f.Id ?? ''));
  }
  return { ids, pages };
}

describe('BatchImportFindings', () => {
  it('reaches the SDK through AWS_ENDPOINT_URL_SECURITYHUB', async () => {
    const saved = { ...process.env };
    try {
      for (const name of ['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_SESSION_TOKEN']) delete process.env[name];
      Object.assign(process.env, sandbox.env());
      expect(process.env.AWS_ENDPOINT_URL_SECURITYHUB).toBe(sandbox.endpoint);
      const client = new SecurityHubClient({ maxAttempts: 1 });
      const out = await client.send(new BatchImportFindingsCommand({ Findings: [finding('via-env')] }));
      expect(out.SuccessCount).toBe(1);
      expect(sandbox.callCounts()['securityhub:BatchImportFindings']).toBe(1);
    } finally {
      process.env = saved;
    }
  });

  it('imports new findings and completes them as Security Hub does', async () => {
    const out = await importFindings([finding('a'), finding('b', { Severity: { Normalized: 45 } })]);
    expect(out).toMatchObject({ SuccessCount: 2, FailedCount: 0, FailedFindings: [] });

    expect(stored().map((f) => f.Id)).toEqual(['a', 'b']);
    expect(storedById('a')).toMatchObject({
      Severity: { Label: 'HIGH', Normalized: 70 },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
      Region: REGION,
      FindingProviderFields: { Severity: { Label: 'HIGH' }, Types: ['Software and Configuration Checks/AWS Security Best Practices'] },
    });
    expect(storedById('b')?.Severity).toEqual({ Normalized: 45, Label: 'MEDIUM' });

    const { Findings } = await hubClient().send(new GetFindingsCommand({}));
    expect(Findings?.map((f) => f.Id)).toEqual(['a', 'b']);
    expect(Findings?.[0]?.Title).toBe('Finding a');
  });

  it('updates a finding with the same Id and ProductArn in place, keeping its CreatedAt', async () => {
    await importFindings([finding('a'), finding('b')]);
    const out = await importFindings([finding('a', { CreatedAt: T1, UpdatedAt: T1, Title: 'Fixed', Compliance: { Status: 'PASSED' } })]);
    expect(out.SuccessCount).toBe(1);

    expect(stored()).toHaveLength(2);
    expect(storedById('a')).toMatchObject({ CreatedAt: T0, UpdatedAt: T1, Title: 'Fixed', Compliance: { Status: 'PASSED' } });
    // Still listed where it was created.
    expect(stored().map((f) => f.Id)).toEqual(['a', 'b']);
  });

  it('ignores an update whose UpdatedAt is older than the stored one', async () => {
    await importFindings([finding('a', { UpdatedAt: T2, Title: 'Newest' })]);
    const out = await importFindings([finding('a', { UpdatedAt: T1, Title: 'Stale' })]);
    expect(out.SuccessCount).toBe(1);
    expect(storedById('a')).toMatchObject({ UpdatedAt: T2, Title: 'Newest' });
  });

  it('refuses a batch of 101 findings and accepts one of 100', async () => {
    const findings = Array.from({ length: 101 }, (_, i) => finding(`f-${i}`));
    const error = await rejection(importFindings(findings));
    expect(error).toBeInstanceOf(InvalidInputException);
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(stored()).toHaveLength(0);

    const out = await importFindings(findings.slice(0, 100));
    expect(out.SuccessCount).toBe(100);
    expect(stored()).toHaveLength(100);
  });

  it('fails a finding that lacks a required attribute alone, and imports the others', async () => {
    const out = await importFindings([finding('good-1'), without('Title', 'no-title'), finding('good-2')]);
    expect(out).toMatchObject({ SuccessCount: 2, FailedCount: 1 });
    expect(out.FailedFindings).toEqual([
      { Id: 'no-title', ErrorCode: 'InvalidInput', ErrorMessage: "Finding does not adhere to Amazon Finding Format. data should have required property 'Title'." },
    ]);
    expect(stored().map((f) => f.Id)).toEqual(['good-1', 'good-2']);
  });

  it.each<[string, AwsSecurityFinding, string]>([
    ['no Description', without('Description', 'x'), "required property 'Description'"],
    ['no GeneratorId', without('GeneratorId', 'x'), "required property 'GeneratorId'"],
    ['no CreatedAt', without('CreatedAt', 'x'), "required property 'CreatedAt'"],
    ['a malformed UpdatedAt', finding('x', { UpdatedAt: 'yesterday' }), 'data.UpdatedAt should match format "date-time"'],
    ['another SchemaVersion', finding('x', { SchemaVersion: '2020-01-01' }), 'data.SchemaVersion should be equal to one of the allowed values'],
    ['no Resources', without('Resources', 'x'), "required property 'Resources'"],
    ['an empty Resources list', finding('x', { Resources: [] }), 'data.Resources should NOT have fewer than 1 items'],
    ['33 resources', finding('x', { Resources: Array.from({ length: 33 }, (_, i) => ({ Type: 'Other', Id: `r-${i}` })) }), 'data.Resources should NOT have more than 32 items'],
    ['a severity with neither Label nor Normalized', finding('x', { Severity: { Product: 3 } }), "required property 'Severity'"],
    ['an unknown severity label', finding('x', { Severity: { Label: 'URGENT' as never } }), 'data.Severity.Label should be equal to one of the allowed values'],
    ['no Types', without('Types', 'x'), "required property 'Types'"],
    ['an unknown workflow status', finding('x', { Workflow: { Status: 'DONE' as never } }), 'data.Workflow.Status should be equal to one of the allowed values'],
  ])('fails a finding with %s', async (_, bad, message) => {
    const out = await importFindings([bad]);
    expect(out.FailedCount).toBe(1);
    expect(out.FailedFindings?.[0]?.ErrorCode).toBe('InvalidInput');
    expect(out.FailedFindings?.[0]?.ErrorMessage).toContain(message);
    expect(stored()).toHaveLength(0);
  });

  it('accepts Severity and Types given only in FindingProviderFields', async () => {
    const f = finding('fpf', { FindingProviderFields: { Severity: { Label: 'LOW' }, Types: ['Effects/Data Exposure'] } });
    delete f.Severity;
    delete f.Types;
    expect((await importFindings([f])).SuccessCount).toBe(1);
    expect(storedById('fpf')).toMatchObject({ Severity: { Label: 'LOW', Normalized: 1 }, Types: ['Effects/Data Exposure'] });
  });

  it('fails a finding over 240 KB', async () => {
    const big = finding('big', { ProductFields: { blob: 'x'.repeat(250 * 1024) } });
    const out = await importFindings([big, finding('small')]);
    expect(out.FailedFindings).toEqual([{ Id: 'big', ErrorCode: 'FindingSizeExceeded', ErrorMessage: 'Finding size exceeded 240 KB' }]);
    expect(stored().map((f) => f.Id)).toEqual(['small']);
  });
});

describe('who may import', () => {
  it("refuses the whole batch when a finding names another account's product", async () => {
    const foreign = finding('foreign', { ProductArn: `arn:aws:securityhub:${REGION}:${OTHER_ACCOUNT}:product/${OTHER_ACCOUNT}/default` });
    const error = await rejection(importFindings([finding('mine'), foreign]));
    expect(error).toBeInstanceOf(AccessDeniedException);
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      `User: arn:aws:iam::${ACCOUNT}:user/glue-encrypt-sandbox is not authorized to perform: securityhub:BatchImportFindings on resource: ${foreign.ProductArn}`,
    );
    expect(stored()).toHaveLength(0);
  });

  it('refuses a finding for another AwsAccountId under its own product ARN', async () => {
    const error = await rejection(importFindings([finding('other', { AwsAccountId: OTHER_ACCOUNT })]));
    expect(error).toBeInstanceOf(AccessDeniedException);
    expect(stored()).toHaveLength(0);
  });

  it('refuses its own product ARN of another region, and a malformed product ARN', async () => {
    const otherRegion = `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`;
    expect(await rejection(importFindings([finding('r', { ProductArn: otherRegion })]))).toBeInstanceOf(AccessDeniedException);
    const malformed = await rejection(importFindings([finding('m', { ProductArn: `arn:aws:securityhub:::product/${ACCOUNT}/default` })]));
    expect(malformed).toBeInstanceOf(InvalidInputException);
    expect(stored()).toHaveLength(0);
  });

  it('keeps each account and region to its own findings', async () => {
    sandbox.securityHub.enable(OTHER_ACCOUNT, REGION);
    const other = hubClient({ accountId: OTHER_ACCOUNT });
    const productArn = `arn:aws:securityhub:${REGION}:${OTHER_ACCOUNT}:product/${OTHER_ACCOUNT}/default`;
    await importFindings([finding('theirs', { ProductArn: productArn, AwsAccountId: OTHER_ACCOUNT })], other);
    await importFindings([finding('mine')]);
    expect(stored(OTHER_ACCOUNT).map((f) => f.Id)).toEqual(['theirs']);
    expect((await allFindings()).ids).toEqual(['mine']);
  });
});

describe('Security Hub not enabled', () => {
  it('returns every imported finding as FailedFindings with InvalidAccess', async () => {
    const east = hubClient({ region: 'us-east-1' });
    const productArn = `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`;
    const out = await importFindings([finding('a', { ProductArn: productArn }), finding('b', { ProductArn: productArn })], east);
    expect(out).toMatchObject({ SuccessCount: 0, FailedCount: 2 });
    expect(out.FailedFindings?.map((f) => [f.Id, f.ErrorCode])).toEqual([
      ['a', 'InvalidAccess'],
      ['b', 'InvalidAccess'],
    ]);
    expect(stored(ACCOUNT, 'us-east-1')).toHaveLength(0);
  });

  it('answers GetFindings and BatchUpdateFindings with InvalidAccessException (HTTP 401)', async () => {
    const east = hubClient({ region: 'us-east-1' });
    const error = await rejection(east.send(new GetFindingsCommand({})));
    expect(error).toBeInstanceOf(InvalidAccessException);
    expect(error.$metadata?.httpStatusCode).toBe(401);
    expect(error.message).toBe(`Account ${ACCOUNT} is not subscribed to AWS Security Hub`);
    expect((error as InvalidAccessException).Code).toBe('InvalidAccessException');

    const update = new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: 'a', ProductArn: PRODUCT_ARN }], Workflow: { Status: 'RESOLVED' } });
    expect(await rejection(east.send(update))).toBeInstanceOf(InvalidAccessException);
  });

  it('is enabled per account and region', () => {
    expect(sandbox.securityHub.isEnabled(ACCOUNT, REGION)).toBe(true);
    expect(sandbox.securityHub.isEnabled(ACCOUNT, 'us-east-1')).toBe(false);
    expect(sandbox.securityHub.isEnabled(OTHER_ACCOUNT, REGION)).toBe(false);
  });
});

describe('what BatchImportFindings may change once a finding exists', () => {
  const resolve = (id: string, extra: Partial<BatchUpdateFindingsCommand['input']> = {}) =>
    hubClient().send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: id, ProductArn: PRODUCT_ARN }], Workflow: { Status: 'RESOLVED' }, ...extra }));

  it('honours Workflow.Status on a new finding, and ignores it (and Note) on an existing one', async () => {
    await importFindings([finding('a', { Workflow: { Status: 'RESOLVED' } })]);
    expect(storedById('a')?.Workflow?.Status).toBe('RESOLVED');

    await importFindings([finding('a', { UpdatedAt: T1, Workflow: { Status: 'NEW' }, Note: { Text: 'from the provider', UpdatedBy: 'p', UpdatedAt: T1 } })]);
    expect(storedById('a')?.Workflow?.Status).toBe('RESOLVED');
    expect(storedById('a')?.Note).toBeUndefined();
  });

  it('lets BatchUpdateFindings set the workflow without touching UpdatedAt', async () => {
    await importFindings([finding('a')]);
    const out = await resolve('a', { Note: { Text: 'fixed', UpdatedBy: 'glue-encrypt' } });
    expect(out.ProcessedFindings).toEqual([{ Id: 'a', ProductArn: PRODUCT_ARN }]);
    expect(out.UnprocessedFindings).toEqual([]);
    expect(storedById('a')).toMatchObject({ Workflow: { Status: 'RESOLVED' }, UpdatedAt: T0, Note: { Text: 'fixed', UpdatedBy: 'glue-encrypt' } });

    // A later import keeps the customer's workflow and note.
    await importFindings([finding('a', { UpdatedAt: T1, Workflow: { Status: 'NEW' } })]);
    expect(storedById('a')).toMatchObject({ Workflow: { Status: 'RESOLVED' }, UpdatedAt: T1, Note: { Text: 'fixed' } });
  });

  it('changes Severity on import only while BatchUpdateFindings has not set it', async () => {
    await importFindings([finding('customer-set'), finding('provider-only')]);
    await hubClient().send(
      new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: 'customer-set', ProductArn: PRODUCT_ARN }], Severity: { Label: 'LOW' } }),
    );
    await importFindings([
      finding('customer-set', { UpdatedAt: T1, Severity: { Label: 'CRITICAL' } }),
      finding('provider-only', { UpdatedAt: T1, Severity: { Label: 'CRITICAL' } }),
    ]);
    expect(storedById('customer-set')?.Severity).toMatchObject({ Label: 'LOW', Normalized: 1 });
    expect(storedById('provider-only')?.Severity).toMatchObject({ Label: 'CRITICAL', Normalized: 90 });
  });

  it('reopens a RESOLVED finding whose compliance goes from PASSED to FAILED, but not a SUPPRESSED one', async () => {
    await importFindings([finding('resolved', { Compliance: { Status: 'PASSED' } }), finding('suppressed', { Compliance: { Status: 'PASSED' } })]);
    await resolve('resolved');
    await hubClient().send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: 'suppressed', ProductArn: PRODUCT_ARN }], Workflow: { Status: 'SUPPRESSED' } }));
    await importFindings([
      finding('resolved', { UpdatedAt: T1, Compliance: { Status: 'FAILED' } }),
      finding('suppressed', { UpdatedAt: T1, Compliance: { Status: 'FAILED' } }),
    ]);
    expect(storedById('resolved')?.Workflow?.Status).toBe('NEW');
    expect(storedById('suppressed')?.Workflow?.Status).toBe('SUPPRESSED');
  });

  it('reports unknown and duplicated identifiers as UnprocessedFindings', async () => {
    await importFindings([finding('a')]);
    const twice = { Id: 'a', ProductArn: PRODUCT_ARN };
    const out = await hubClient().send(
      new BatchUpdateFindingsCommand({ FindingIdentifiers: [twice, twice, { Id: 'nope', ProductArn: PRODUCT_ARN }], Workflow: { Status: 'NOTIFIED' } }),
    );
    expect(out.ProcessedFindings).toEqual([]);
    expect(out.UnprocessedFindings?.map((u) => [u.FindingIdentifier?.Id, u.ErrorCode])).toEqual([
      ['a', 'DuplicatedFindingIdentifier'],
      ['a', 'DuplicatedFindingIdentifier'],
      ['nope', 'FindingNotFound'],
    ]);
    expect(storedById('a')?.Workflow?.Status).toBe('NEW');
  });
});

describe('GetFindings', () => {
  beforeEach(async () => {
    await importFindings([
      finding('failed-new', { Compliance: { Status: 'FAILED' } }),
      finding('passed', { Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } }),
      finding('warning-archived', { Compliance: { Status: 'WARNING' }, RecordState: 'ARCHIVED' }),
      finding('failed-notified', { Compliance: { Status: 'FAILED' }, Workflow: { Status: 'NOTIFIED' } }),
    ]);
  });

  const equals = (Value: string) => [{ Comparison: 'EQUALS' as const, Value }];

  it.each<[string, AwsSecurityFindingFilters, string[]]>([
    ['Id', { Id: equals('passed') }, ['passed']],
    ['ProductArn', { ProductArn: equals(PRODUCT_ARN) }, ['failed-new', 'passed', 'warning-archived', 'failed-notified']],
    ['AwsAccountId', { AwsAccountId: equals(OTHER_ACCOUNT) }, []],
    ['ComplianceStatus', { ComplianceStatus: equals('FAILED') }, ['failed-new', 'failed-notified']],
    ['WorkflowStatus', { WorkflowStatus: equals('NEW') }, ['failed-new', 'warning-archived']],
    ['RecordState', { RecordState: equals('ARCHIVED') }, ['warning-archived']],
  ])('filters on %s EQUALS', async (_, filters, expected) => {
    expect((await allFindings(filters)).ids).toEqual(expected);
  });

  it('joins values of one attribute by OR, attributes by AND, and NOT_EQUALS by AND', async () => {
    const either = { ComplianceStatus: [...equals('PASSED'), ...equals('WARNING')] };
    expect((await allFindings(either)).ids).toEqual(['passed', 'warning-archived']);
    expect((await allFindings({ ...either, RecordState: equals('ACTIVE') })).ids).toEqual(['passed']);
    const neither = {
      WorkflowStatus: [
        { Comparison: 'NOT_EQUALS' as const, Value: 'NEW' },
        { Comparison: 'NOT_EQUALS' as const, Value: 'RESOLVED' },
      ],
    };
    expect((await allFindings(neither)).ids).toEqual(['failed-notified']);
    expect((await allFindings({ Id: [{ Comparison: 'PREFIX', Value: 'failed-' }] })).ids).toEqual(['failed-new', 'failed-notified']);
  });

  it('refuses EQUALS combined with NOT_EQUALS on one attribute, and filters it does not model', async () => {
    const clash = { Id: [...equals('passed'), { Comparison: 'NOT_EQUALS' as const, Value: 'x' }] };
    expect(await rejection(hubClient().send(new GetFindingsCommand({ Filters: clash })))).toBeInstanceOf(InvalidInputException);
    const unsupported = { ResourceType: equals('Other') };
    expect(await rejection(hubClient().send(new GetFindingsCommand({ Filters: unsupported })))).toBeInstanceOf(InvalidInputException);
  });
});

describe('GetFindings paging', () => {
  beforeEach(async () => {
    await importFindings(Array.from({ length: 25 }, (_, i) => finding(`f-${String(i).padStart(2, '0')}`)));
  });

  it('pages by MaxResults until NextToken is absent, each finding once and in order', async () => {
    const { ids, pages } = await allFindings(undefined, 10);
    expect(pages).toBe(3);
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => `f-${String(i).padStart(2, '0')}`));

    const last = await hubClient().send(new GetFindingsCommand({ MaxResults: 100 }));
    expect(last.Findings).toHaveLength(25);
    expect(last.NextToken).toBeUndefined();
  });

  it('pages a filtered listing with the filter applied on every page', async () => {
    const filters = { Id: [{ Comparison: 'PREFIX' as const, Value: 'f-1' }] };
    const { ids, pages } = await allFindings(filters, 4);
    expect(ids).toEqual(['f-10', 'f-11', 'f-12', 'f-13', 'f-14', 'f-15', 'f-16', 'f-17', 'f-18', 'f-19']);
    expect(pages).toBe(3);
  });

  it('refuses MaxResults outside 1..100 and a NextToken it did not issue', async () => {
    for (const MaxResults of [0, 101]) {
      expect(await rejection(hubClient().send(new GetFindingsCommand({ MaxResults })))).toBeInstanceOf(InvalidInputException);
    }
    expect(await rejection(hubClient().send(new GetFindingsCommand({ NextToken: 'not-a-token' })))).toBeInstanceOf(InvalidInputException);
  });
});

describe('faults', () => {
  const message = 'Too Many Requests';

  it('failNext makes BatchImportFindings answer TooManyRequestsException (429), which the SDK retries', async () => {
    sandbox.failNext('securityhub:BatchImportFindings', { code: 'TooManyRequestsException', message, status: 429 });
    const error = await rejection(importFindings([finding('a')]));
    expect(error.name).toBe('TooManyRequestsException');
    expect(error.$metadata?.httpStatusCode).toBe(429);
    expect(stored()).toHaveLength(0);

    sandbox.failNext('securityhub:BatchImportFindings', { code: 'TooManyRequestsException', message, status: 429 });
    const out = await importFindings([finding('a')], hubClient({ maxAttempts: 2 }));
    expect(out.SuccessCount).toBe(1);
    expect(sandbox.callCounts()['securityhub:BatchImportFindings']).toBe(3);
  });

  it('random throttling answers TooManyRequestsException and counts each throttled attempt', async () => {
    sandbox.setThrottleRate(1);
    const error = await rejection(hubClient().send(new GetFindingsCommand({})));
    expect(error.name).toBe('TooManyRequestsException');
    expect(error.message).toBe(message);
    expect(error.$metadata?.httpStatusCode).toBe(429);
    expect(sandbox.throttledCount()).toBe(1);

    sandbox.setThrottleRate(0);
    expect((await hubClient().send(new GetFindingsCommand({}))).Findings).toEqual([]);
  });
});

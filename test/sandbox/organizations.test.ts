// AWS Organizations through the real SDK client: paging, the OU tree, who may list, and faults.
import {
  AccessDeniedException,
  AWSOrganizationsNotInUseException,
  DescribeOrganizationCommand,
  InvalidInputException,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
  ParentNotFoundException,
  TooManyRequestsException,
  paginateListAccounts,
  paginateListAccountsForParent,
  type Account,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsSandbox, SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY, type OrganizationAccount } from '../../src/sandbox/aws/index.js';
import { rejection, stsClient } from './clients.js';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const MANAGEMENT = '111111111111';
const DEFAULT_CREDENTIALS = { accessKeyId: SANDBOX_ACCESS_KEY_ID, secretAccessKey: SANDBOX_SECRET_ACCESS_KEY };

let sandbox: AwsSandbox;
let org: OrganizationsClient;
let rootId: string;
let security: string;
let workloads: string;
let prod: string;
let members: OrganizationAccount[];
let suspended: OrganizationAccount;
let closed: OrganizationAccount;
let delegatedAdmin: OrganizationAccount;

function organizationsClient(options: { region?: string; credentials?: Credentials; maxAttempts?: number } = {}): OrganizationsClient {
  return new OrganizationsClient({
    endpoint: sandbox.endpoint,
    region: options.region ?? 'us-east-1',
    credentials: options.credentials ?? DEFAULT_CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 1,
  });
}

/** Credentials of a role in `accountId`, issued by the sandbox's STS as a scan would get them. */
async function credentialsIn(accountId: string): Promise<Credentials> {
  const { Credentials } = await stsClient(sandbox).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/Scanner`, RoleSessionName: 'org-test' }),
  );
  return {
    accessKeyId: Credentials?.AccessKeyId ?? '',
    secretAccessKey: Credentials?.SecretAccessKey ?? '',
    sessionToken: Credentials?.SessionToken,
  };
}

async function allAccounts(client: OrganizationsClient, pageSize?: number): Promise<{ accounts: Account[]; pages: number }> {
  const accounts: Account[] = [];
  let pages = 0;
  for await (const page of paginateListAccounts({ client, pageSize }, {})) {
    pages++;
    accounts.push(...(page.Accounts ?? []));
  }
  return { accounts, pages };
}

beforeAll(async () => {
  sandbox = await AwsSandbox.start({ defaultAccountId: MANAGEMENT });
  const organization = sandbox.organization;
  ({ rootId } = organization.create());
  security = organization.addOrganizationalUnit('Security').Id;
  workloads = organization.addOrganizationalUnit('Workloads').Id;
  prod = organization.addOrganizationalUnit('Prod', workloads).Id;
  delegatedAdmin = organization.addAccount({ name: 'audit', parentId: security });
  organization.registerDelegatedAdministrator(delegatedAdmin.Id);
  members = organization.addAccounts(40, { namePrefix: 'prod', parentId: prod });
  suspended = organization.addAccount({ name: 'old-sandbox', state: 'SUSPENDED', parentId: workloads });
  closed = organization.addAccount({ name: 'closed-app', state: 'CLOSED', parentId: workloads });
  org = organizationsClient();
});

afterEach(() => {
  sandbox.organization.unevenPages = false;
  sandbox.setThrottleRate(0);
});

afterAll(async () => {
  await sandbox.close();
});

describe('the organization', () => {
  it('is managed by the default account, with one root', async () => {
    const { Organization } = await org.send(new DescribeOrganizationCommand({}));
    expect(Organization?.MasterAccountId).toBe(MANAGEMENT);
    expect(Organization?.Id).toMatch(/^o-[a-z0-9]{10,32}$/);
    expect(Organization?.Arn).toBe(`arn:aws:organizations::${MANAGEMENT}:organization/${Organization?.Id}`);
    const { Roots } = await org.send(new ListRootsCommand({}));
    expect(Roots?.map((root) => root.Id)).toEqual([rootId]);
    expect(rootId).toMatch(/^r-[0-9a-z]{4,32}$/);
  });

  it('reaches the SDK through AWS_ENDPOINT_URL_ORGANIZATIONS, signed for us-east-1 or for any other region', async () => {
    const saved = { ...process.env };
    try {
      for (const name of ['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_SESSION_TOKEN']) delete process.env[name];
      Object.assign(process.env, sandbox.env());
      expect(process.env.AWS_ENDPOINT_URL_ORGANIZATIONS).toBe(sandbox.endpoint);
      for (const region of ['us-east-1', 'eu-west-1']) {
        const client = new OrganizationsClient({ region, maxAttempts: 1 });
        const { Organization } = await client.send(new DescribeOrganizationCommand({}));
        expect(Organization?.MasterAccountId).toBe(MANAGEMENT);
      }
    } finally {
      process.env = saved;
    }
  });
});

describe('ListAccounts', () => {
  it('pages through every account, 20 at most a page', async () => {
    const first = await org.send(new ListAccountsCommand({}));
    expect(first.Accounts).toHaveLength(20);
    expect(first.NextToken).toBeDefined();

    const { accounts, pages } = await allAccounts(org, 20);
    // management + audit + 40 prod + suspended + closed
    expect(accounts).toHaveLength(44);
    expect(pages).toBe(3);
    expect(new Set(accounts.map((a) => a.Id)).size).toBe(44);
    expect(accounts.map((a) => a.Id)).toEqual(sandbox.organization.allAccounts().map((a) => a.Id));
  });

  it('describes each account with its ARN, join details and both Status and State', async () => {
    const { accounts } = await allAccounts(org);
    const member = accounts.find((a) => a.Id === members[0]?.Id);
    const summary = sandbox.organization.summary();
    expect(member).toMatchObject({
      Name: 'prod-1',
      Arn: `arn:aws:organizations::${MANAGEMENT}:account/${summary?.id}/${members[0]?.Id}`,
      Status: 'ACTIVE',
      State: 'ACTIVE',
      JoinedMethod: 'CREATED',
    });
    expect(member?.JoinedTimestamp).toBeInstanceOf(Date);
    expect(member?.Email).toContain('@');
  });

  it('lists suspended and closed accounts too, with their status', async () => {
    const { accounts } = await allAccounts(org);
    expect(accounts.find((a) => a.Id === suspended.Id)).toMatchObject({ Status: 'SUSPENDED', State: 'SUSPENDED' });
    // A closed account read SUSPENDED before the State field told the two apart.
    expect(accounts.find((a) => a.Id === closed.Id)).toMatchObject({ Status: 'SUSPENDED', State: 'CLOSED' });
  });

  it('may answer short and empty pages with a NextToken; the paginator still gets every account once', async () => {
    sandbox.organization.unevenPages = true;
    const first = await org.send(new ListAccountsCommand({ MaxResults: 10 }));
    expect(first.Accounts).toHaveLength(5);
    const second = await org.send(new ListAccountsCommand({ MaxResults: 10, NextToken: first.NextToken }));
    expect(second.Accounts).toEqual([]);
    expect(second.NextToken).toBeDefined();

    const { accounts } = await allAccounts(org, 10);
    expect(accounts.map((a) => a.Id)).toEqual(sandbox.organization.allAccounts().map((a) => a.Id));
  });

  it('rejects MaxResults outside 1..20 and a NextToken it did not issue with InvalidInputException', async () => {
    const tooMany = await rejection(org.send(new ListAccountsCommand({ MaxResults: 21 })));
    expect(tooMany).toBeInstanceOf(InvalidInputException);
    expect((tooMany as InvalidInputException).Reason).toBe('MAX_VALUE_EXCEEDED');
    const none = await rejection(org.send(new ListAccountsCommand({ MaxResults: 0 })));
    expect((none as InvalidInputException).Reason).toBe('MIN_VALUE_EXCEEDED');
    const forged = await rejection(org.send(new ListAccountsCommand({ NextToken: 'not-a-token' })));
    expect((forged as InvalidInputException).Reason).toBe('INVALID_NEXT_TOKEN');
    // A token continues only the listing that issued it.
    const forParent = await org.send(new ListAccountsForParentCommand({ ParentId: prod, MaxResults: 1 }));
    const crossed = await rejection(org.send(new ListAccountsCommand({ NextToken: forParent.NextToken })));
    expect((crossed as InvalidInputException).Reason).toBe('INVALID_NEXT_TOKEN');
  });

  it('stays cheap for a 600-account estate', async () => {
    const box = await AwsSandbox.start();
    try {
      box.organization.create();
      const started = performance.now();
      box.organization.addAccounts(600);
      expect(performance.now() - started).toBeLessThan(500);
      const client = new OrganizationsClient({ endpoint: box.endpoint, region: 'us-east-1', credentials: DEFAULT_CREDENTIALS, maxAttempts: 1 });
      const { accounts, pages } = await allAccounts(client);
      expect(accounts).toHaveLength(601);
      expect(pages).toBe(31);
    } finally {
      await box.close();
    }
  });
});

describe('the OU tree', () => {
  it('lists the OUs of a parent, nested ones only under their own parent', async () => {
    const top = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: rootId }));
    expect(top.OrganizationalUnits?.map((ou) => ou.Name)).toEqual(['Security', 'Workloads']);
    expect(top.OrganizationalUnits?.[0]?.Id).toMatch(new RegExp(`^ou-${rootId.slice(2)}-[a-z0-9]{8,32}$`));
    const nested = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: workloads }));
    expect(nested.OrganizationalUnits?.map((ou) => ou.Id)).toEqual([prod]);
    const leaf = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: prod }));
    expect(leaf.OrganizationalUnits).toEqual([]);
    expect(leaf.NextToken).toBeUndefined();
  });

  it("lists only the parent's own accounts, not those of child OUs", async () => {
    const atRoot = await org.send(new ListAccountsForParentCommand({ ParentId: rootId }));
    expect(atRoot.Accounts?.map((a) => a.Id)).toEqual([MANAGEMENT]);
    const inWorkloads = await org.send(new ListAccountsForParentCommand({ ParentId: workloads }));
    expect(inWorkloads.Accounts?.map((a) => a.Id)).toEqual([suspended.Id, closed.Id]);

    const inProd: string[] = [];
    for await (const page of paginateListAccountsForParent({ client: org, pageSize: 15 }, { ParentId: prod })) {
      inProd.push(...(page.Accounts ?? []).map((a) => a.Id ?? ''));
    }
    expect(inProd).toEqual(members.map((a) => a.Id));
  });

  it('lists children of either type', async () => {
    const units = await org.send(new ListChildrenCommand({ ParentId: workloads, ChildType: 'ORGANIZATIONAL_UNIT' }));
    expect(units.Children).toEqual([{ Id: prod, Type: 'ORGANIZATIONAL_UNIT' }]);
    const accounts = await org.send(new ListChildrenCommand({ ParentId: security, ChildType: 'ACCOUNT' }));
    expect(accounts.Children).toEqual([{ Id: delegatedAdmin.Id, Type: 'ACCOUNT' }]);
    const badType = await rejection(org.send(new ListChildrenCommand({ ParentId: security, ChildType: 'POLICY' as never })));
    expect((badType as InvalidInputException).Reason).toBe('INVALID_ENUM');
  });

  it('answers ParentNotFoundException for a well-formed id nobody created, InvalidInputException for a malformed one', async () => {
    const unknownOu = `ou-${rootId.slice(2)}-zzzzzzzz`;
    expect(await rejection(org.send(new ListAccountsForParentCommand({ ParentId: unknownOu })))).toBeInstanceOf(ParentNotFoundException);
    expect(await rejection(org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-zzzz' })))).toBeInstanceOf(ParentNotFoundException);
    const malformed = await rejection(org.send(new ListAccountsForParentCommand({ ParentId: 'prod' })));
    expect(malformed).toBeInstanceOf(InvalidInputException);
    expect((malformed as InvalidInputException).Reason).toBe('INVALID_PATTERN');
  });
});

describe('who may call', () => {
  it('a member account may describe the organization but not list its accounts', async () => {
    const member = organizationsClient({ credentials: await credentialsIn(members[0]?.Id ?? '') });
    const { Organization } = await member.send(new DescribeOrganizationCommand({}));
    expect(Organization?.MasterAccountId).toBe(MANAGEMENT);
    const denied = await rejection(member.send(new ListAccountsCommand({})));
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect(denied.message).toBe("You don't have permissions to access this resource.");
    expect(await rejection(member.send(new ListRootsCommand({})))).toBeInstanceOf(AccessDeniedException);
    expect(await rejection(member.send(new ListAccountsForParentCommand({ ParentId: prod })))).toBeInstanceOf(AccessDeniedException);
  });

  it('a delegated administrator may list', async () => {
    const admin = organizationsClient({ region: 'eu-west-1', credentials: await credentialsIn(delegatedAdmin.Id) });
    const { accounts } = await allAccounts(admin);
    expect(accounts).toHaveLength(44);
    const { Roots } = await admin.send(new ListRootsCommand({}));
    expect(Roots?.[0]?.Id).toBe(rootId);
    const children = await admin.send(new ListChildrenCommand({ ParentId: rootId, ChildType: 'ORGANIZATIONAL_UNIT' }));
    expect(children.Children?.map((c) => c.Id)).toEqual([security, workloads]);
  });

  it('an account outside the organization hears AWSOrganizationsNotInUseException', async () => {
    const outsider = organizationsClient({ credentials: await credentialsIn('999999999999') });
    const error = await rejection(outsider.send(new ListAccountsCommand({})));
    expect(error).toBeInstanceOf(AWSOrganizationsNotInUseException);
    expect(error.message).toBe('Your account is not a member of an organization.');
    expect(await rejection(outsider.send(new DescribeOrganizationCommand({})))).toBeInstanceOf(AWSOrganizationsNotInUseException);
  });

  it('so does every account while the sandbox has no organization', async () => {
    const box = await AwsSandbox.start();
    try {
      const client = new OrganizationsClient({ endpoint: box.endpoint, region: 'us-east-1', credentials: DEFAULT_CREDENTIALS, maxAttempts: 1 });
      expect(await rejection(client.send(new DescribeOrganizationCommand({})))).toBeInstanceOf(AWSOrganizationsNotInUseException);
    } finally {
      await box.close();
    }
  });
});

describe('faults', () => {
  it('failNext makes ListAccounts answer TooManyRequestsException, and the SDK retries it as throttling', async () => {
    sandbox.resetCounts();
    const message = 'You have sent too many requests in too short a period of time. Try again later.';
    sandbox.failNext('organizations:ListAccounts', { code: 'TooManyRequestsException', message });
    const error = await rejection(org.send(new ListAccountsCommand({})));
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error.$metadata?.httpStatusCode).toBe(400);

    sandbox.failNext('organizations:ListAccounts', { code: 'TooManyRequestsException', message: 'slow down' });
    const retrying = organizationsClient({ maxAttempts: 2 });
    const page = await retrying.send(new ListAccountsCommand({}));
    expect(page.Accounts).toHaveLength(20);
    expect(sandbox.callCounts()['organizations:ListAccounts']).toBe(3);
  });

  it('random throttling answers TooManyRequestsException', async () => {
    sandbox.setThrottleRate(1);
    const error = await rejection(org.send(new ListAccountsCommand({})));
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error.message).toBe('You have sent too many requests in too short a period of time. Try again later.');
  });
});

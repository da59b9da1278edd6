// AWS Organizations (AWS JSON 1.1, X-Amz-Target: AWSOrganizationsV20161128.<Operation>): one
// organization whose tree (root, nested OUs, accounts) is seeded through `Organizations`, and the
// read operations a multi-account scan uses to enumerate it. Organizations is a global service:
// the caller's signing region plays no part.
import { AwsError } from './errors.js';
import { isObject, type JsonObject } from './input.js';
import { IdGenerator } from './random.js';
import { jsonRpcService, type Service } from './service.js';

export const ORGANIZATIONS_TARGET_PREFIX = 'AWSOrganizationsV20161128';

/** The account lifecycle states of the `State` field (Organizations User Guide, "Monitor the state of your AWS accounts"). */
export type AccountState = 'PENDING_ACTIVATION' | 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';
/** The older, coarser `Status` field, still answered alongside `State` until its retirement. */
export type AccountStatus = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';

/** An account as ListAccounts answers it. */
export interface OrganizationAccount {
  Id: string;
  Arn: string;
  Email: string;
  Name: string;
  Status: AccountStatus;
  State: AccountState;
  JoinedMethod: 'CREATED' | 'INVITED';
  JoinedTimestamp: Date;
}

export interface OrganizationalUnit {
  Id: string;
  Arn: string;
  Name: string;
}

export interface OrganizationSeed {
  /** Default: the sandbox's default account. */
  managementAccountId?: string;
  managementAccountName?: string;
  managementAccountEmail?: string;
  featureSet?: 'ALL' | 'CONSOLIDATED_BILLING';
}

export interface AccountSeed {
  /** 12 digits; default generated. */
  id?: string;
  name?: string;
  email?: string;
  /** A root or OU id; default the root. */
  parentId?: string;
  /** Default ACTIVE. */
  state?: AccountState;
  /** Default: the Status that goes with `state`. */
  status?: AccountStatus;
  /** Default CREATED. */
  joinedMethod?: OrganizationAccount['JoinedMethod'];
  /** Default: now, on the sandbox clock. */
  joinedTimestamp?: Date;
}

/** What the seeding API reports about the organization it created. */
export interface OrganizationSummary {
  id: string;
  arn: string;
  rootId: string;
  managementAccountId: string;
}

// Before the State field, a closed account read SUSPENDED and an account whose sign-up was never
// completed read ACTIVE (the AWS launch post for State names exactly these two gaps).
const STATUS_OF_STATE: Record<AccountState, AccountStatus> = {
  PENDING_ACTIVATION: 'ACTIVE',
  ACTIVE: 'ACTIVE',
  SUSPENDED: 'SUSPENDED',
  PENDING_CLOSURE: 'PENDING_CLOSURE',
  CLOSED: 'SUSPENDED',
};

/** Insertion order is the listing order; `seq` is what a NextToken remembers. */
interface Entry<T> {
  seq: number;
  parentId: string;
  item: T;
}

interface Children {
  accounts: Entry<OrganizationAccount>[];
  units: Entry<OrganizationalUnit>[];
}

interface OrganizationRecord {
  id: string;
  arn: string;
  featureSet: 'ALL' | 'CONSOLIDATED_BILLING';
  managementAccountId: string;
  managementAccountEmail: string;
  root: { Id: string; Arn: string; Name: string };
}

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const DIGITS = '0123456789';

/**
 * The organization the sandbox knows (at most one), reached from an `AwsSandbox` as
 * `sandbox.organization`. Seeding is O(1) per account, listing O(log n) per page, so estates of
 * thousands of accounts stay cheap.
 */
export class Organizations {
  /**
   * Off: every page is full (MaxResults items). On: pages hold about half of MaxResults and every
   * third page is empty, each still with a NextToken while items remain, which the API docs warn
   * List* operations may do; callers must page until NextToken is absent.
   */
  unevenPages = false;

  private readonly ids: IdGenerator;
  private record: OrganizationRecord | undefined;
  private readonly accounts = new Map<string, Entry<OrganizationAccount>>();
  private readonly accountList: Entry<OrganizationAccount>[] = [];
  private readonly units = new Map<string, Entry<OrganizationalUnit>>();
  private readonly children = new Map<string, Children>();
  private readonly delegatedAdministrators = new Map<string, Set<string>>();
  private seq = 0;

  constructor(
    private readonly defaultAccountId: string,
    private readonly now: () => number,
    seed: number,
  ) {
    // A stream of its own, so seeding an organization never shifts the ids of other resources.
    this.ids = new IdGenerator(seed ^ 0x0a9a2e5);
  }

  // ---- seeding ------------------------------------------------------------------------------

  /** Creates the organization: its management account (the sandbox's default account) under one root. */
  create(seed: OrganizationSeed = {}): OrganizationSummary {
    if (this.record) throw new Error(`the sandbox already has organization ${this.record.id}`);
    const managementAccountId = seed.managementAccountId ?? this.defaultAccountId;
    const id = `o-${this.ids.chars(LOWER_ALNUM, 10)}`;
    const rootId = `r-${this.ids.chars(LOWER_ALNUM, 4)}`;
    const managementAccountEmail = seed.managementAccountEmail ?? `aws+${managementAccountId}@example.com`;
    this.record = {
      id,
      arn: `arn:aws:organizations::${managementAccountId}:organization/${id}`,
      featureSet: seed.featureSet ?? 'ALL',
      managementAccountId,
      managementAccountEmail,
      root: { Id: rootId, Arn: `arn:aws:organizations::${managementAccountId}:root/${id}/${rootId}`, Name: 'Root' },
    };
    this.children.set(rootId, { accounts: [], units: [] });
    this.addAccount({
      id: managementAccountId,
      name: seed.managementAccountName ?? 'management',
      email: managementAccountEmail,
      joinedMethod: 'INVITED',
    });
    return { id, arn: this.record.arn, rootId, managementAccountId };
  }

  /** An OU under `parentId` (the root by default; an OU id nests it). */
  addOrganizationalUnit(name: string, parentId?: string): OrganizationalUnit {
    const org = this.requireRecord();
    const parent = this.requireParent(parentId ?? org.root.Id);
    const rootSuffix = org.root.Id.slice('r-'.length);
    const id = this.unusedId(() => `ou-${rootSuffix}-${this.ids.chars(LOWER_ALNUM, 8)}`, this.units);
    const unit: OrganizationalUnit = { Id: id, Arn: `arn:aws:organizations::${org.managementAccountId}:ou/${org.id}/${id}`, Name: name };
    const entry = { seq: ++this.seq, parentId: parentId ?? org.root.Id, item: unit };
    this.units.set(id, entry);
    this.children.set(id, { accounts: [], units: [] });
    parent.units.push(entry);
    return unit;
  }

  addAccount(seed: AccountSeed = {}): OrganizationAccount {
    const org = this.requireRecord();
    const parentId = seed.parentId ?? org.root.Id;
    const parent = this.requireParent(parentId);
    const id = seed.id ?? this.unusedId(() => this.ids.chars(DIGITS, 12), this.accounts);
    if (!/^\d{12}$/.test(id)) throw new Error(`account ids are 12 digits: ${id}`);
    if (this.accounts.has(id)) throw new Error(`account ${id} is already in the organization`);
    const state = seed.state ?? 'ACTIVE';
    const name = seed.name ?? `account-${id}`;
    const account: OrganizationAccount = {
      Id: id,
      Arn: `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${id}`,
      Email: seed.email ?? `aws+${id}@example.com`,
      Name: name,
      Status: seed.status ?? STATUS_OF_STATE[state],
      State: state,
      JoinedMethod: seed.joinedMethod ?? 'CREATED',
      JoinedTimestamp: seed.joinedTimestamp ?? new Date(this.now()),
    };
    const entry = { seq: ++this.seq, parentId, item: account };
    this.accounts.set(id, entry);
    this.accountList.push(entry);
    parent.accounts.push(entry);
    return account;
  }

  /** `count` accounts named "<namePrefix>-<n>", all with the rest of `seed`. */
  addAccounts(count: number, seed: Omit<AccountSeed, 'id' | 'name' | 'email'> & { namePrefix?: string } = {}): OrganizationAccount[] {
    const { namePrefix = 'member', ...rest } = seed;
    return Array.from({ length: count }, (_, i) => this.addAccount({ ...rest, name: `${namePrefix}-${i + 1}` }));
  }

  /** Changes an account's State (and the Status that goes with it), e.g. to CLOSED. */
  setAccountState(accountId: string, state: AccountState): void {
    const account = this.requireAccount(accountId);
    account.State = state;
    account.Status = STATUS_OF_STATE[state];
  }

  /**
   * Registers a member account as delegated administrator for a service: it may then call the
   * read operations (ListAccounts and the rest) that otherwise only the management account may.
   */
  registerDelegatedAdministrator(accountId: string, servicePrincipal = 'securityhub.amazonaws.com'): void {
    const account = this.requireAccount(accountId);
    // The ConstraintViolationException reasons RegisterDelegatedAdministrator documents.
    if (accountId === this.record?.managementAccountId) throw new Error('CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR');
    if (account.Status === 'SUSPENDED') throw new Error('CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR');
    const services = this.delegatedAdministrators.get(accountId) ?? new Set<string>();
    services.add(servicePrincipal);
    this.delegatedAdministrators.set(accountId, services);
  }

  // ---- reading ------------------------------------------------------------------------------

  /** The organization, if created. */
  summary(): OrganizationSummary | undefined {
    const org = this.record;
    return org && { id: org.id, arn: org.arn, rootId: org.root.Id, managementAccountId: org.managementAccountId };
  }

  account(accountId: string): OrganizationAccount | undefined {
    return this.accounts.get(accountId)?.item;
  }

  /** Every account, management account first, in the order they joined. */
  allAccounts(): OrganizationAccount[] {
    return this.accountList.map((entry) => entry.item);
  }

  // ---- for organizationsService -------------------------------------------------------------

  /** The organization `accountId` belongs to (as management or member account), if any. */
  organizationOf(accountId: string): OrganizationRecord | undefined {
    return this.accounts.has(accountId) ? this.record : undefined;
  }

  isAdministrator(accountId: string): boolean {
    return accountId === this.record?.managementAccountId || this.delegatedAdministrators.has(accountId);
  }

  accountEntries(): readonly Entry<OrganizationAccount>[] {
    return this.accountList;
  }

  childrenOf(parentId: string): Children | undefined {
    return this.children.get(parentId);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private requireRecord(): OrganizationRecord {
    if (!this.record) throw new Error('no organization yet: call organization.create() first');
    return this.record;
  }

  private requireParent(parentId: string): Children {
    const parent = this.children.get(parentId);
    if (!parent) throw new Error(`no root or OU ${parentId} in the organization`);
    return parent;
  }

  private requireAccount(accountId: string): OrganizationAccount {
    const account = this.account(accountId);
    if (!account) throw new Error(`account ${accountId} is not in the organization`);
    return account;
  }

  private unusedId(make: () => string, taken: ReadonlyMap<string, unknown>): string {
    for (;;) {
      const id = make();
      if (!taken.has(id)) return id;
    }
  }
}

// ---- errors -----------------------------------------------------------------------------------

/** Organizations' error shapes carry a modelled `Message` member (and InvalidInputException a `Reason`). */
function organizationsError(code: string, message: string, extra: Record<string, string> = {}): AwsError {
  return new AwsError(code, message, 400, 'Sender', { Message: message, ...extra });
}

/** InvalidInputException with one of the Reasons its documentation lists. */
function invalidInput(reason: string, message: string): AwsError {
  return organizationsError('InvalidInputException', message, { Reason: reason });
}

// The wording AWS answers with (as quoted in public bug reports against the real service).
const notInUse = () => organizationsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
const accessDenied = () => organizationsError('AccessDeniedException', "You don't have permissions to access this resource.");
const parentNotFound = () => organizationsError('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified.");

// ---- request members --------------------------------------------------------------------------

// Every List* operation shares one MaxResults shape: 1 to 20 (ListAccounts API reference). Without
// it the service picks "a value specific to the operation"; 20 is the sandbox's choice.
const MAX_RESULTS = 20;
const NEXT_TOKEN_MAX_LENGTH = 100_000;
const PARENT_ID = /^(?:r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const CHILD_TYPES = ['ACCOUNT', 'ORGANIZATIONAL_UNIT'] as const;
type ChildType = (typeof CHILD_TYPES)[number];

// Messages: INVALID_PATTERN's is the real service's wording; the others paraphrase the Reason's documentation.
const badPattern = () => invalidInput('INVALID_PATTERN', 'You provided a value that does not match the required pattern.');

function maxResults(input: JsonObject): number {
  const value = input.MaxResults;
  if (value === undefined || value === null) return MAX_RESULTS;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badPattern();
  if (value < 1) throw invalidInput('MIN_VALUE_EXCEEDED', 'You provided a numeric parameter that has a smaller value than allowed.');
  if (value > MAX_RESULTS) throw invalidInput('MAX_VALUE_EXCEEDED', 'You provided a numeric parameter that has a larger value than allowed.');
  return value;
}

function requiredMember(input: JsonObject, member: string): string {
  const value = input[member];
  if (value === undefined || value === null || value === '') {
    throw invalidInput('INPUT_REQUIRED', 'You must include a value for all required parameters.');
  }
  if (typeof value !== 'string') throw badPattern();
  return value;
}

function parentIdOf(input: JsonObject): string {
  const parentId = requiredMember(input, 'ParentId');
  if (!PARENT_ID.test(parentId)) throw badPattern();
  return parentId;
}

function childTypeOf(input: JsonObject): ChildType {
  const childType = requiredMember(input, 'ChildType');
  if (!(CHILD_TYPES as readonly string[]).includes(childType)) throw invalidInput('INVALID_ENUM', 'You specified an invalid value.');
  return childType as ChildType;
}

// ---- paging -----------------------------------------------------------------------------------

/** What a NextToken encodes: which listing it continues, the last item served, pages served so far. */
interface Cursor {
  listing: string;
  after: number;
  page: number;
}

interface PageRequest {
  limit: number;
  token: string | undefined;
}

const badToken = () =>
  invalidInput('INVALID_NEXT_TOKEN', 'Get the value for the NextToken parameter from the response to a previous call of the operation.');

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(token: string, listing: string): Cursor {
  if (token.length > NEXT_TOKEN_MAX_LENGTH) throw badToken();
  let cursor: unknown;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badToken();
  }
  const valid =
    isObject(cursor) &&
    cursor.listing === listing &&
    Number.isInteger(cursor.after) &&
    Number.isInteger(cursor.page) &&
    (cursor.page as number) > 0;
  if (!valid) throw badToken();
  return cursor as unknown as Cursor;
}

function pageRequestOf(input: JsonObject): PageRequest {
  const token = input.NextToken;
  if (token !== undefined && token !== null && typeof token !== 'string') throw badToken();
  return { limit: maxResults(input), token: token ?? undefined };
}

/** Index of the first entry after `seq`; entries are in ascending seq order. */
function firstAfter(entries: readonly Entry<unknown>[], seq: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((entries[mid] as Entry<unknown>).seq > seq) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Size of page number `page` (0-based); see Organizations.unevenPages. */
function pageSize(limit: number, page: number, uneven: boolean): number {
  if (!uneven) return limit;
  return page % 3 === 1 ? 0 : Math.ceil(limit / 2);
}

/** `listing` names the list ("ListAccounts", "ListChildren/ou-…/ACCOUNT"): a token continues only its own. */
function pageOf<T>(entries: readonly Entry<T>[], listing: string, request: PageRequest, uneven: boolean): { items: T[]; NextToken?: string } {
  const cursor = request.token === undefined ? { listing, after: -1, page: 0 } : decodeCursor(request.token, listing);
  const start = firstAfter(entries, cursor.after);
  const page = entries.slice(start, start + pageSize(request.limit, cursor.page, uneven));
  const more = start + page.length < entries.length;
  const after = page.length > 0 ? (page[page.length - 1] as Entry<T>).seq : cursor.after;
  return {
    items: page.map((entry) => entry.item),
    // NextToken is absent only when nothing is left, whatever the size of this page.
    ...(more ? { NextToken: encodeCursor({ listing, after, page: cursor.page + 1 }) } : {}),
  };
}

// ---- the service ------------------------------------------------------------------------------

export function organizationsService(organizations: Organizations): Service {
  /** Any account of the organization may call this (DescribeOrganization). */
  function memberOrganization(accountId: string): OrganizationRecord {
    const org = organizations.organizationOf(accountId);
    if (!org) throw notInUse();
    return org;
  }

  /**
   * The List* operations "can be called only from the organization's management account or by a
   * member account that is a delegated administrator".
   */
  function requireAdministrator(accountId: string): OrganizationRecord {
    const org = memberOrganization(accountId);
    if (!organizations.isAdministrator(accountId)) throw accessDenied();
    return org;
  }

  function childrenOf(parentId: string): Children {
    const children = organizations.childrenOf(parentId);
    if (!children) throw parentNotFound();
    return children;
  }

  const page = <T>(entries: readonly Entry<T>[], listing: string, request: PageRequest) =>
    pageOf(entries, listing, request, organizations.unevenPages);

  return jsonRpcService('organizations', 'json1.1', {
    DescribeOrganization(caller) {
      const org = memberOrganization(caller.accountId);
      return {
        Organization: {
          Id: org.id,
          Arn: org.arn,
          FeatureSet: org.featureSet,
          MasterAccountArn: `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${org.managementAccountId}`,
          MasterAccountId: org.managementAccountId,
          MasterAccountEmail: org.managementAccountEmail,
          // Deprecated in the response; policies are not modelled.
          AvailablePolicyTypes: [],
        },
      };
    },

    ListRoots(caller, input) {
      const request = pageRequestOf(input);
      const org = requireAdministrator(caller.accountId);
      const roots = [{ seq: 0, parentId: '', item: { ...org.root, PolicyTypes: [] } }];
      const { items, NextToken } = page(roots, 'ListRoots', request);
      return { Roots: items, NextToken };
    },

    ListAccounts(caller, input) {
      const request = pageRequestOf(input);
      requireAdministrator(caller.accountId);
      const { items, NextToken } = page(organizations.accountEntries(), 'ListAccounts', request);
      return { Accounts: items, NextToken };
    },

    ListAccountsForParent(caller, input) {
      const parentId = parentIdOf(input);
      const request = pageRequestOf(input);
      requireAdministrator(caller.accountId);
      const { items, NextToken } = page(childrenOf(parentId).accounts, `ListAccountsForParent/${parentId}`, request);
      return { Accounts: items, NextToken };
    },

    ListOrganizationalUnitsForParent(caller, input) {
      const parentId = parentIdOf(input);
      const request = pageRequestOf(input);
      requireAdministrator(caller.accountId);
      const { items, NextToken } = page(childrenOf(parentId).units, `ListOrganizationalUnitsForParent/${parentId}`, request);
      return { OrganizationalUnits: items, NextToken };
    },

    ListChildren(caller, input) {
      const parentId = parentIdOf(input);
      const childType = childTypeOf(input);
      const request = pageRequestOf(input);
      requireAdministrator(caller.accountId);
      const children = childrenOf(parentId);
      const entries: readonly Entry<{ Id: string }>[] = childType === 'ACCOUNT' ? children.accounts : children.units;
      const { items, NextToken } = page(entries, `ListChildren/${parentId}/${childType}`, request);
      return { Children: items.map((child) => ({ Id: child.Id, Type: childType })), NextToken };
    },
  });
}

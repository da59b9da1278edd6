// Which accounts a scheduled scan reads: the bot's own and the configured members, or, with an
// organisation scan, every active account of the organisation (optionally only those under some
// roots or OUs, nested OUs included). Suspended and closing accounts are skipped: their roles
// cannot be assumed, and a digest should not call them unreadable every day.
import {
  OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  type Account,
} from '@aws-sdk/client-organizations';
import type { AppConfig } from '../config.js';

export interface Targets {
  accounts: string[];
  source: 'configuration' | 'organization';
  /** Organisation accounts left out because they are not active, by ID. */
  skipped: { accountId: string; state: string }[];
}

/** `State` is the field AWS now fills; `Status` the one it replaces. Either may be all a response has. */
function stateOf(a: Account): string {
  return String(a.State ?? a.Status ?? 'ACTIVE');
}

async function collect(pages: AsyncIterable<{ Accounts?: Account[] }>, into: Account[]): Promise<void> {
  for await (const page of pages) into.push(...(page.Accounts ?? []));
}

async function underParent(client: OrganizationsClient, parentId: string, into: Account[]): Promise<void> {
  await collect(paginateListAccountsForParent({ client }, { ParentId: parentId }), into);
  for await (const page of paginateListOrganizationalUnitsForParent({ client }, { ParentId: parentId })) {
    for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) await underParent(client, ou.Id, into);
  }
}

export async function scanTargets(config: AppConfig, homeAccountId: string, organizations?: OrganizationsClient): Promise<Targets> {
  if (!config.digests.organizationScan) {
    return { accounts: [...new Set([homeAccountId, ...config.scope.accounts])], source: 'configuration', skipped: [] };
  }
  // Organizations is global: its endpoint is in us-east-1 in the aws partition.
  const client = organizations ?? new OrganizationsClient({ maxAttempts: config.maxAttempts });
  const found: Account[] = [];
  if (config.digests.organizationParents.length === 0) await collect(paginateListAccounts({ client }, {}), found);
  else for (const parent of config.digests.organizationParents) await underParent(client, parent, found);

  const accounts = new Set<string>();
  const skipped = new Map<string, string>();
  for (const a of found) {
    if (!a.Id) continue;
    const state = stateOf(a);
    if (state === 'ACTIVE') accounts.add(a.Id);
    else skipped.set(a.Id, state);
  }
  return {
    accounts: [...accounts].sort(),
    source: 'organization',
    skipped: [...skipped].map(([accountId, state]) => ({ accountId, state })),
  };
}

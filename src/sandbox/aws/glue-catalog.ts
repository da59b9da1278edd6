// Glue security configurations and jobs: what a transform's task runs are governed by, and what
// calls a transform by id.
import { AwsError } from './errors.js';
import { glueStore } from './glue-transforms.js';
import { optionalString, pageSize, requiredObject, requiredString, storedAs } from './input.js';
import type { StoredJob, StoredSecurityConfiguration } from './model.js';
import { paginate } from './paging.js';
import type { JsonOperation } from './service.js';
import type { SandboxState } from './state.js';

export function catalogOperations(state: SandboxState): Record<string, JsonOperation> {
  return {
    GetSecurityConfiguration(caller, input) {
      const name = requiredString(input, 'Name');
      const config = glueStore(state, caller).securityConfigurations.get(name);
      if (!config) throw new AwsError('EntityNotFoundException', `Security configuration ${name} not found`);
      return { SecurityConfiguration: structuredClone(config) };
    },

    GetSecurityConfigurations(caller, input) {
      const page = paginate(glueStore(state, caller).securityConfigurations.values(), {
        sortKey: (c: StoredSecurityConfiguration) => [c.Name],
        limit: pageSize(input, 'MaxResults', 100, 1000),
        token: optionalString(input, 'NextToken'),
        invalidTokenCode: 'InvalidInputException',
      });
      return { SecurityConfigurations: page.items.map((c) => structuredClone(c)), NextToken: page.nextToken };
    },

    CreateSecurityConfiguration(caller, input) {
      const store = glueStore(state, caller);
      const name = requiredString(input, 'Name', 255);
      const encryption = requiredObject(input, 'EncryptionConfiguration');
      if (store.securityConfigurations.has(name)) {
        throw new AwsError('AlreadyExistsException', `Security configuration ${name} already exists`);
      }
      const stored = state.addSecurityConfiguration(store.scope, {
        Name: name,
        EncryptionConfiguration: storedAs<StoredSecurityConfiguration['EncryptionConfiguration']>(encryption),
      });
      // The response spells it "CreatedTimestamp"; the stored configuration says "CreatedTimeStamp".
      return { Name: name, CreatedTimestamp: stored.CreatedTimeStamp };
    },

    GetJobs(caller, input) {
      const page = paginate(glueStore(state, caller).jobs.values(), {
        sortKey: (job: StoredJob) => [job.Name],
        limit: pageSize(input, 'MaxResults', 100, 1000),
        token: optionalString(input, 'NextToken'),
        invalidTokenCode: 'InvalidInputException',
      });
      return { Jobs: page.items.map((job) => structuredClone(job)), NextToken: page.nextToken };
    },

    GetJob(caller, input) {
      const name = requiredString(input, 'JobName');
      const job = glueStore(state, caller).jobs.get(name);
      if (!job) throw new AwsError('EntityNotFoundException', `Job ${name} not found`);
      return { Job: structuredClone(job) };
    },

    UpdateJob(caller, input) {
      const store = glueStore(state, caller);
      const name = requiredString(input, 'JobName');
      const current = store.jobs.get(name);
      if (!current) throw new AwsError('EntityNotFoundException', `Job ${name} not found`);
      // As in Glue, JobUpdate replaces the whole definition: members it leaves out are cleared.
      const update = storedAs<Omit<StoredJob, 'Name'>>(requiredObject(input, 'JobUpdate'));
      store.jobs.set(name, { ...update, Name: name, CreatedOn: current.CreatedOn, LastModifiedOn: new Date(state.now()) });
      return { JobName: name };
    },
  };
}

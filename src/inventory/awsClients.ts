// One place that builds AWS clients for an account and region: adaptive retries, call
// counting, and credentials from an assumed role for member accounts. Endpoints come from
// the SDK's own settings (AWS_ENDPOINT_URL_GLUE, ...), so a local stand-in needs no code here.
import { GlueClient } from '@aws-sdk/client-glue';
import { KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AwsCredentialIdentity, DeserializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';

/** Counts every attempt (retries included) by "service:Operation". */
export class CallCounter {
  readonly counts: Record<string, number> = {};

  record(service: string, operation: string): void {
    const key = `${service}:${operation}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}

// Clients live for the process (a warm Lambda reuses them and their connections), while call
// counts belong to one scan: the counter is looked up at call time from the scan's async
// context, so shared clients still count each scan's calls apart.
const counterScope = new AsyncLocalStorage<CallCounter>();

/** Runs `work` with every AWS attempt it makes counted in `counter`. */
export function countingCalls<T>(counter: CallCounter, work: () => Promise<T>): Promise<T> {
  return counterScope.run(counter, work);
}

function countCalls<I extends object, O extends MetadataBearer, C extends { middlewareStack: MiddlewareStack<I, O> }>(
  client: C,
  service: string,
): C {
  // The deserialize step sits inside the retry loop, so each attempt is counted once.
  const middleware: DeserializeMiddleware<I, O> = (next, context) => async (args) => {
    counterScope.getStore()?.record(service, (context.commandName ?? 'Unknown').replace(/Command$/, ''));
    return next(args);
  };
  client.middlewareStack.add(middleware, { step: 'deserialize', name: 'glueEncryptCallCounter' });
  return client;
}

export interface ClientOptions {
  maxAttempts: number;
}

export interface AccountClients {
  glue: GlueClient;
  kms: KMSClient;
}

// Per process (a warm Lambda keeps them): the bot's own account, assumed-role credentials with
// their expiry (renewed five minutes before they run out), and the clients themselves.
const homeAccounts = new Map<string, Promise<string>>();
const assumedRoles = new Map<string, Promise<AwsCredentialIdentity>>();
const assumedExpiry = new Map<string, number>();
const clientCache = new Map<string, AccountClients>();

function baseCredentialsKey(): string {
  return `${process.env.AWS_ACCESS_KEY_ID ?? 'default'}|${process.env.AWS_ENDPOINT_URL_STS ?? ''}`;
}

export class AwsClientFactory {
  constructor(
    private readonly options: ClientOptions,
    /** Region for STS calls (the bot's own region). */
    private readonly homeRegion: string,
  ) {}

  private common(region: string) {
    return { region, maxAttempts: this.options.maxAttempts, retryMode: 'adaptive' as const };
  }

  /**
   * Glue and KMS clients for a region: the bot's own credentials, or a member account's through
   * `roleArn`. Reused for the life of the process.
   */
  forTarget(region: string, roleArn?: string): AccountClients {
    const env = process.env;
    const key = [region, roleArn ?? 'home', baseCredentialsKey(), env.AWS_ENDPOINT_URL_GLUE, env.AWS_ENDPOINT_URL_KMS, this.options.maxAttempts].join('|');
    let clients = clientCache.get(key);
    if (!clients) {
      const credentials = roleArn ? () => this.assumeRole(roleArn) : undefined;
      const base = { ...this.common(region), ...(credentials ? { credentials } : {}) };
      clients = { glue: countCalls(new GlueClient(base), 'glue'), kms: countCalls(new KMSClient(base), 'kms') };
      clientCache.set(key, clients);
    }
    return clients;
  }

  private sts(): STSClient {
    return countCalls(new STSClient(this.common(this.homeRegion)), 'sts');
  }

  /**
   * The account the bot's own credentials belong to. Asked once per set of credentials and
   * process: a warm Lambda does not ask again.
   */
  homeAccountId(): Promise<string> {
    const credentialsKey = baseCredentialsKey();
    let pending = homeAccounts.get(credentialsKey);
    if (!pending) {
      pending = this.sts()
        .send(new GetCallerIdentityCommand({}))
        .then((r) => r.Account ?? 'unknown');
      homeAccounts.set(credentialsKey, pending);
      pending.catch(() => homeAccounts.delete(credentialsKey));
    }
    return pending;
  }

  /**
   * Credentials for a member account through its read-only role, assumed once and shared by
   * every region of that account. Throws the STS error (e.g. AccessDenied) to the caller.
   */
  assumeRole(roleArn: string): Promise<AwsCredentialIdentity> {
    const key = `${baseCredentialsKey()}|${roleArn}`;
    let pending = assumedRoles.get(key);
    const expiry = assumedExpiry.get(key);
    if (pending && expiry !== undefined && expiry < Date.now() + 5 * 60_000) pending = undefined;
    if (!pending) {
      pending = this.sts()
        .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'glue-encrypt', DurationSeconds: 3600 }))
        .then((r) => {
          const c = r.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
          assumedExpiry.set(key, c.Expiration?.getTime() ?? Date.now() + 3600_000);
          return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
        });
      assumedRoles.set(key, pending);
      assumedExpiry.delete(key);
      // A failed assumption is not kept: the next scan tries again.
      pending.catch(() => assumedRoles.delete(key));
    }
    return pending;
  }
}

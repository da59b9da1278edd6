// One place that builds AWS clients for an account and region: adaptive retries, call
// counting, and credentials from an assumed role for member accounts. Endpoints come from
// the SDK's own settings (AWS_ENDPOINT_URL_GLUE, ...), so a local stand-in needs no code here.
import { GlueClient } from '@aws-sdk/client-glue';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, DeserializeMiddleware, MetadataBearer, MiddlewareStack, SMITHY_CONTEXT_KEY } from '@smithy/types';

/** Where the SDK puts the command being sent in a middleware's context (typed by @smithy/types). */
const SMITHY_CONTEXT: typeof SMITHY_CONTEXT_KEY = '__smithy_context';

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
// counts belong to one scan: a scan sends through a counted view of the shared clients, which
// marks each command with the scan's counter, and the clients' own middleware counts marked
// commands. (An AsyncLocalStorage would need no views, but on Node 20 it turns on promise hooks
// for the whole process, a tenth of a large scan's CPU; a middleware added per command makes
// the SDK sort a longer middleware list on every send.)
const countersByCommand = new WeakMap<object, CallCounter>();
type Sender = { send(command: object, ...rest: unknown[]): Promise<unknown> };

function countCalls<I extends object, O extends MetadataBearer, C extends { middlewareStack: MiddlewareStack<I, O> }>(
  client: C,
  service: string,
): C {
  // The deserialize step sits inside the retry loop, so each attempt is counted once.
  const middleware: DeserializeMiddleware<I, O> = (next, context) => async (args) => {
    const command = context[SMITHY_CONTEXT]?.commandInstance;
    if (command) countersByCommand.get(command)?.record(service, (context.commandName ?? 'Unknown').replace(/Command$/, ''));
    return next(args);
  };
  client.middlewareStack.add(middleware, { step: 'deserialize', name: 'glueEncryptCallCounter' });
  return client;
}

/** `client` as seen by one scan: every command sent through it has its attempts counted in `counter`. */
export function countedClient<C extends { send: unknown }>(client: C, counter: CallCounter): Pick<C, 'send'> {
  const sender = client as unknown as Sender;
  const send: Sender['send'] = (command, ...rest) => {
    countersByCommand.set(command, counter);
    return sender.send(command, ...rest);
  };
  return { send } as unknown as Pick<C, 'send'>;
}

export interface ClientOptions {
  maxAttempts: number;
}

export interface AccountClients {
  glue: GlueClient;
  kms: KMSClient;
  /** Label buckets: their region (plans) and what an export wrote (the workflow). Built on first use. */
  readonly s3: S3Client;
  /** Simulating the transform role's permissions at plan time. Built on first use. */
  readonly iam: IAMClient;
  /**
   * Glue without SDK retries, for starts whose answer may be lost after Glue acted (a label task
   * run): the caller looks for what the first attempt did before it tries again.
   */
  readonly glueOnce: GlueClient;
}

/** A getter that builds its value on first read and keeps it (scans never pay for S3 or IAM clients). */
function lazy<T extends object, K extends string, V>(target: T, key: K, build: () => V): T & Record<K, V> {
  let value: V | undefined;
  return Object.defineProperty(target, key, { enumerable: true, get: () => (value ??= build()) }) as T & Record<K, V>;
}

/** What a scan sends through: the shared clients, counted for that scan. */
export interface ScanClients {
  glue: Pick<GlueClient, 'send'>;
  kms: Pick<KMSClient, 'send'>;
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
    /** Where a scan counts the STS calls this factory makes for it. */
    private readonly counter?: CallCounter,
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
    const key = [region, roleArn ?? 'home', baseCredentialsKey(), env.AWS_ENDPOINT_URL_GLUE, env.AWS_ENDPOINT_URL_KMS, env.AWS_ENDPOINT_URL_S3, env.AWS_ENDPOINT_URL_IAM, this.options.maxAttempts].join('|');
    let clients = clientCache.get(key);
    if (!clients) {
      const credentials = roleArn ? () => this.assumeRole(roleArn) : undefined;
      const base = { ...this.common(region), ...(credentials ? { credentials } : {}) };
      const core = { glue: countCalls(new GlueClient(base), 'glue'), kms: countCalls(new KMSClient(base), 'kms') };
      // IAM is global: the SDK maps any region of a partition to its IAM endpoint.
      // S3 follows a 301 to the bucket's own region: a listing still works if a bucket moved.
      clients = lazy(lazy(lazy(core, 's3', () => new S3Client({ ...base, followRegionRedirects: true })), 'iam', () => new IAMClient(base)), 'glueOnce', () =>
        new GlueClient({ ...base, maxAttempts: 1 }),
      );
      clientCache.set(key, clients);
    }
    return clients;
  }

  /** forTarget's clients, with every call counted in this factory's counter. */
  forScan(region: string, roleArn?: string): ScanClients {
    const { glue, kms } = this.forTarget(region, roleArn);
    if (!this.counter) return { glue, kms };
    return { glue: countedClient(glue, this.counter), kms: countedClient(kms, this.counter) };
  }

  private sts(): Pick<STSClient, 'send'> {
    const sts = countCalls(new STSClient(this.common(this.homeRegion)), 'sts');
    return this.counter ? countedClient(sts, this.counter) : sts;
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

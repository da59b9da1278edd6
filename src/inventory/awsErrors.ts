// Turns an AWS SDK error into words a person can act on. Used wherever a failure is reported
// to Slack or the terminal instead of a stack trace.

export interface DescribedError {
  code: string;
  message: string;
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError']);
const REGION_NOT_ENABLED = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException']);
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'TimeoutError']);

export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown; Code?: unknown };
    for (const candidate of [e.code, e.name, e.Code]) {
      if (typeof candidate === 'string' && candidate !== 'Error') return candidate;
    }
  }
  return 'UnknownError';
}

function rawMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // Never echo a multi-line SDK dump into Slack: first line, bounded.
  return (message.split('\n')[0] ?? '').slice(0, 300);
}

export function isAccessDenied(err: unknown): boolean {
  return ACCESS_DENIED.has(errorCode(err));
}

/** A refusal for the rate of calls: the service did not act on it. */
export function isThrottled(err: unknown): boolean {
  return THROTTLED.has(errorCode(err));
}

/**
 * Plain words for a failed call. `action` is the IAM action, e.g. "glue:GetMLTransforms";
 * `where` says which account/region it was.
 */
export function describeAwsError(err: unknown, action: string, where: string): DescribedError {
  const code = errorCode(err);
  if (ACCESS_DENIED.has(code)) {
    return {
      code,
      message: `The bot's role may not call ${action} in ${where} (${code}). Ask your AWS admin to deploy the read-only role there (README: "Target accounts").`,
    };
  }
  if (REGION_NOT_ENABLED.has(code)) {
    return {
      code,
      message: `AWS did not accept the bot's credentials for ${action} in ${where} (${code}): the region may be an opt-in region not enabled for this account.`,
    };
  }
  if (THROTTLED.has(code)) {
    return {
      code,
      message: `AWS kept throttling ${action} in ${where} after every retry (${code}). Try again in a few minutes, or lower GLUE_ENCRYPT_CONCURRENCY.`,
    };
  }
  if (NETWORK.has(code)) {
    return { code, message: `Could not reach AWS for ${action} in ${where} (${code}). Check the network path or endpoint settings.` };
  }
  return { code, message: `${action} failed in ${where}: ${code}: ${rawMessage(err)}` };
}

/** A lookup that failed, as a scan reports it: not there, not allowed, or another error, in plain words. */
export interface FailedLookup {
  kind: 'not-found' | 'access-denied' | 'error';
  message: string;
}

/** `notFound` is the error code that means "no such thing" and what to say then. */
export function failedLookup(err: unknown, notFound: { code: string; message: string }, action: string, where: string): FailedLookup {
  if (errorCode(err) === notFound.code) return { kind: 'not-found', message: notFound.message };
  return { kind: isAccessDenied(err) ? 'access-denied' : 'error', message: describeAwsError(err, action, where).message };
}

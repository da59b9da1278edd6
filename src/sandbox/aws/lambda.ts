// AWS Lambda Invoke (REST-JSON: POST /2015-03-31/functions/{FunctionName}/invocations).
// Registered in-process handlers stand in for deployed functions.
import type { BackgroundWork } from './background.js';
import { AwsError } from './errors.js';
import type { Service } from './service.js';

export type LambdaHandler = (event: unknown) => Promise<unknown>;

export interface InvocationRecord {
  functionName: string;
  invocationType: 'Event' | 'RequestResponse';
  event: unknown;
  status: 'running' | 'succeeded' | 'failed';
  result?: unknown;
  error?: string;
}

export const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** "name", "name:qualifier", "123456789012:function:name" and full ARNs all name the function "name". */
export function functionNameOf(pathSegment: string): string {
  const decoded = decodeURIComponent(pathSegment);
  const parts = decoded.split(':');
  const at = parts.indexOf('function');
  return at >= 0 ? (parts[at + 1] ?? '') : (parts[0] ?? '');
}

export class LambdaFunctions {
  private readonly handlers = new Map<string, LambdaHandler>();
  /** Every invocation in order, for tests that check what was invoked with what. */
  readonly invocations: InvocationRecord[] = [];

  register(name: string, handler: LambdaHandler): void {
    this.handlers.set(name, handler);
  }

  handler(name: string): LambdaHandler | undefined {
    return this.handlers.get(name);
  }
}

function parseEvent(body: string): unknown {
  if (body === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json');
  }
}

function errorPayload(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
}

export function lambdaService(functions: LambdaFunctions, background: BackgroundWork): Service {
  return {
    name: 'lambda',
    protocol: 'rest-json',
    async handle({ caller, path, headers, body, requestId }) {
      const segment = INVOKE_PATH.exec(path.split('?')[0] ?? '')?.[1] ?? '';
      const name = functionNameOf(segment);
      const handler = functions.handler(name);
      if (!handler) {
        throw new AwsError('ResourceNotFoundException', `Function not found: arn:aws:lambda:${caller.region}:${caller.accountId}:function:${name}`, 404);
      }
      const event = parseEvent(body);
      const type = String(headers['x-amz-invocation-type'] ?? 'RequestResponse');
      const common = { 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
      if (type === 'DryRun') return { status: 204, headers: common, body: '' };
      if (type !== 'Event' && type !== 'RequestResponse') {
        throw new AwsError('InvalidParameterValueException', `Invalid invocation type ${type}`);
      }
      const record: InvocationRecord = { functionName: name, invocationType: type, event, status: 'running' };
      functions.invocations.push(record);
      const run = async (): Promise<void> => {
        try {
          record.result = await handler(event);
          record.status = 'succeeded';
        } catch (error) {
          record.status = 'failed';
          record.error = error instanceof Error ? error.message : String(error);
          throw error;
        }
      };
      if (type === 'Event') {
        background.start(run);
        return { status: 202, headers: common, body: '' };
      }
      try {
        await run();
        return { status: 200, headers: { ...common, 'content-type': 'application/json' }, body: JSON.stringify(record.result ?? null) };
      } catch (error) {
        // A function error is still HTTP 200; the SDK surfaces it as FunctionError + Payload.
        return {
          status: 200,
          headers: { ...common, 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' },
          body: JSON.stringify(errorPayload(error)),
        };
      }
    },
  };
}

// The HTTP side: reads a request, works out caller, service and operation, applies the injected
// faults (latency, failNext, throttling, denied regions), counts the call and lets the service answer.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { identifyCaller, type Caller } from './auth.js';
import type { CallCounter } from './counters.js';
import { AwsError, throttlingError } from './errors.js';
import type { Faults, InjectedError } from './faults.js';
import { errorResponse, type WireResponse } from './protocol.js';
import { routeRequest } from './routing.js';
import type { Service, ServiceName, ServiceRequest } from './service.js';
import type { SandboxState } from './state.js';

export interface ServerParts {
  state: SandboxState;
  services: Record<ServiceName, Service>;
  faults: Faults;
  counter: CallCounter;
}

/** The services a scan (or a plan) hammers; these are the ones throttling applies to. */
const THROTTLED: ReadonlySet<ServiceName> = new Set(['glue', 'kms', 'sts', 'iam', 's3', 'organizations', 'securityhub']);
const REGIONAL_DENIALS: ReadonlySet<ServiceName> = new Set(['glue', 'kms']);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: WireResponse): void {
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(response.body);
}

function regionDenied(state: SandboxState, caller: Caller, operation: string): AwsError | undefined {
  const denial = state.regionDenial(caller.accountId, caller.region);
  if (denial === 'UnrecognizedClient') {
    return new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  if (denial === 'AccessDenied') {
    return new AwsError(
      'AccessDeniedException',
      `User: ${caller.arn} is not authorized to perform: ${operation} in region ${caller.region} with an explicit deny in a service control policy`,
    );
  }
  return undefined;
}

async function answer(parts: ServerParts, req: IncomingMessage, service: Service, operation: string, body: string, requestId: string): Promise<WireResponse> {
  const { state, faults, counter } = parts;
  const caller = identifyCaller(req.headers, state);
  const operationKey = `${service.name}:${operation}`;
  counter.record(operationKey, caller);
  state.settle();

  const injected = faults.takeFailure(operationKey);
  const asInjected = (e: InjectedError) => new AwsError(e.code, e.message, e.status ?? 400);
  if (injected && !injected.afterApplying) throw asInjected(injected);
  const carriedOut = carryOut(parts, service, caller, { operation, path: req.url ?? '/', headers: req.headers, body, requestId });
  if (!injected) return carriedOut;
  // A lost answer: whatever the operation did stands, and the caller hears only the error.
  await carriedOut.catch(() => undefined);
  throw asInjected(injected);
}

async function carryOut(parts: ServerParts, service: Service, caller: Caller, request: Omit<ServiceRequest, 'caller'>): Promise<WireResponse> {
  const { state, faults, counter } = parts;
  if (THROTTLED.has(service.name) && faults.shouldThrottle()) {
    counter.recordThrottle();
    throw throttlingError(service.name);
  }
  const denied = REGIONAL_DENIALS.has(service.name) ? regionDenied(state, caller, `${service.name}:${request.operation}`) : undefined;
  if (denied) throw denied;
  return service.handle({ caller, ...request });
}

/**
 * Runs `work` at once and settles, answer or error, no sooner than `latencyMs` after the call
 * arrived: the latency is the call's whole time. AWS answers each account and region from servers
 * of its own; working answers out after the wait would queue twelve regions' pages behind each
 * other in this one process and add its CPU to the latency the caller sees.
 */
async function heldFor<T>(latencyMs: number, work: () => Promise<T>): Promise<T> {
  if (latencyMs <= 0) return work();
  const answerAt = new Promise((resolve) => setTimeout(resolve, latencyMs));
  try {
    return await work();
  } finally {
    await answerAt;
  }
}

async function handle(parts: ServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const body = await readBody(req);
  const route = routeRequest(req.method ?? 'GET', req.url ?? '/', req.headers, body);
  if (!route) {
    send(res, errorResponse('json1.1', new AwsError('UnknownOperationException', `No sandbox service answers ${req.method} ${req.url}`, 404), requestId));
    return;
  }
  const service = parts.services[route.service];
  try {
    send(res, await heldFor(parts.faults.latencyMs, () => answer(parts, req, service, route.operation, body, requestId)));
  } catch (error) {
    const awsError =
      error instanceof AwsError
        ? error
        : new AwsError('InternalFailure', `sandbox bug: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, 500);
    send(res, errorResponse(service.protocol, awsError, requestId, service.xmlNamespace));
  }
}

export async function listen(parts: ServerParts): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    handle(parts, req, res).catch((error: unknown) => {
      // Only reachable if the socket itself failed; nothing sensible left to answer.
      res.destroy(error instanceof Error ? error : undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${port}` };
}

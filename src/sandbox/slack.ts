// A stand-in for Slack's Web API on loopback, for tests and the demo. The real
// @slack/web-api WebClient reaches it through `slackApiUrl` (our app: env SLACK_API_URL =
// `${sandbox.apiUrl}`). It speaks the same wire format: POST /api/<method> with a
// form-urlencoded (or JSON) body and `Authorization: Bearer <token>`, answers
// `{ ok: true, ... }` or `{ ok: false, error }` with HTTP 200, and 429 + Retry-After when
// rate limited. It also serves response_url endpoints (POST /response/<id>, JSON).
//
// It records every call and keeps each channel's current content, and enforces the Block
// Kit limits (invalid_blocks) so a view that Slack would reject fails here too.

import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KnownBlock } from '@slack/types';

// ---------------------------------------------------------------------------------------
// Public types

export interface SandboxUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  tz?: string;
  isAdmin?: boolean;
  isBot?: boolean;
  deleted?: boolean;
}

export interface SandboxChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Whether the bot is in the channel (default true); posting elsewhere fails with not_in_channel. */
  isMember?: boolean;
  isArchived?: boolean;
}

export interface SlackSandboxOptions {
  /** The bot token the server accepts (default "xoxb-sandbox-token"). */
  token?: string;
  teamId?: string;
  teamName?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** Known users. When omitted, any well-formed user ID (U…/W…) exists with a generated name. */
  users?: SandboxUser[];
  /** Known channels. When omitted, any channel ID or name is accepted and the bot is a member. */
  channels?: SandboxChannel[];
  /** User group ID (S…) → member user IDs. */
  usergroups?: Record<string, string[]>;
}

export interface RecordedCall {
  /** Web API method ("chat.postMessage"), or "response_url" for POST /response/<id>. */
  method: string;
  /** Arguments as received; JSON-valued ones (blocks, attachments, view, metadata) parsed. The token is left out. */
  args: Record<string, unknown>;
  at: Date;
  /** HTTP status answered (200, 429, 404...). */
  status: number;
  ok: boolean;
  error?: string;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  text?: string;
  blocks: KnownBlock[];
  /** Who posted: the bot's user ID. */
  user: string;
  via: 'chat.postMessage' | 'response_url';
  postedAt: Date;
}

/** A message as the channel shows it now: latest text and blocks after chat.update. */
export interface ChannelMessage extends PostedMessage {
  /** How many times it was updated. */
  edits: number;
  editedAt?: Date;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  messageTs: string;
  text?: string;
  blocks: KnownBlock[];
  via: 'chat.postEphemeral' | 'response_url';
  postedAt: Date;
}

/** A trigger_id is good for 3 seconds after the interaction that carried it. */
const TRIGGER_LIFETIME_MS = 3000;

export interface SandboxView {
  id: string;
  externalId?: string;
  hash: string;
  view: Record<string, unknown>;
  triggerId?: string;
}

export interface ResponseUrlOptions {
  /** The channel the command or click came from. */
  channel: string;
  /** The person who typed or clicked: ephemeral responses go to them. */
  user?: string;
  /** The message a click came from: replace_original / delete_original act on it. */
  messageTs?: string;
}

export interface SlackSandbox {
  /** Base URL, e.g. http://127.0.0.1:51234 */
  readonly url: string;
  /** What WebClient's slackApiUrl (env SLACK_API_URL) should be: `${url}/api/`. */
  readonly apiUrl: string;
  readonly token: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  /** Every call, in order; only those to `method` when given. */
  calls(method?: string): RecordedCall[];
  /** Messages posted to a channel (ID or name), in order, as first posted (thread replies included). */
  messagesIn(channel: string): PostedMessage[];
  /** What the channel shows now: its messages in order with their latest content; deleted ones left out. */
  channelView(channel: string): ChannelMessage[];
  /** Ephemeral messages (chat.postEphemeral and ephemeral response_url posts), optionally filtered. */
  ephemerals(filter?: { channel?: string; user?: string }): EphemeralMessage[];
  /** Modals opened with views.open, latest content. */
  views(): SandboxView[];
  /** The Home tab views.publish last set for a user, if any. */
  homeTab(user: string): SandboxView | undefined;
  /** Resolves with the predicate's first truthy result; rejects after timeoutMs (default 5 s). */
  waitFor<T>(predicate: (sandbox: SlackSandbox) => T | false | null | undefined, timeoutMs?: number): Promise<T>;
  /** The next `times` calls to `method` answer `{ ok: false, error }`. */
  failNext(method: string, error: string, times?: number): void;
  /** The next call to `method` answers HTTP 429 with Retry-After: retryAfterSeconds. */
  rateLimitNext(method: string, retryAfterSeconds: number): void;
  /** A response_url for a command or click in `channel` (5 uses, 30 minutes, like Slack's). */
  mintResponseUrl(options: ResponseUrlOptions): string;
  /**
   * A trigger_id as Slack puts in a click or a command (issued `at`, now by default): views.open
   * takes it once (then exchanged_trigger_id), within 3 seconds (then expired_trigger_id), and
   * refuses one it never issued (invalid_trigger_id).
   */
  mintTriggerId(at?: Date): string;
  setUsergroup(id: string, userIds: string[]): void;
  /** Files shared with files.uploadV2 (getUploadURLExternal, the upload, completeUploadExternal), in order. */
  sharedFiles(): SharedFile[];
  /** Takes a scope from the bot token: methods that need it answer missing_scope, as Slack does. */
  revokeScope(scope: string): void;
  close(): Promise<void>;
}

export interface SharedFile {
  id: string;
  filename: string;
  title?: string;
  content: string;
  channel: string;
  threadTs?: string;
  initialComment?: string;
}

// ---------------------------------------------------------------------------------------
// Block Kit validation

const MESSAGE_MAX_BLOCKS = 50;
const VIEW_MAX_BLOCKS = 100;
const MAX_TEXT = 40_000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textObjectProblems(value: unknown, pointer: string, max: number, types: string[]): string[] {
  if (!isObject(value)) return [`must be a text object [json-pointer:${pointer}]`];
  const problems: string[] = [];
  if (typeof value.type !== 'string' || !types.includes(value.type)) {
    problems.push(`must be one of ${types.join(', ')} [json-pointer:${pointer}/type]`);
  }
  if (typeof value.text !== 'string' || value.text.length === 0) {
    problems.push(`must be at least 1 character [json-pointer:${pointer}/text]`);
  } else if (value.text.length > max) {
    problems.push(`must be less than ${max + 1} characters [json-pointer:${pointer}/text]`);
  }
  return problems;
}

function stringProblem(value: unknown, pointer: string, max: number): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string') return [`must be a string [json-pointer:${pointer}]`];
  return value.length > max ? [`must be less than ${max + 1} characters [json-pointer:${pointer}]`] : [];
}

function elementProblems(element: unknown, pointer: string): string[] {
  if (!isObject(element) || typeof element.type !== 'string') return [`missing required field: type [json-pointer:${pointer}]`];
  const problems = stringProblem(element.action_id, `${pointer}/action_id`, 255);
  if (element.type === 'button') {
    problems.push(...textObjectProblems(element.text, `${pointer}/text`, 75, ['plain_text']));
    problems.push(...stringProblem(element.value, `${pointer}/value`, 2000));
    problems.push(...stringProblem(element.url, `${pointer}/url`, 3000));
    problems.push(...stringProblem(element.accessibility_label, `${pointer}/accessibility_label`, 75));
    if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
      problems.push(`must be primary or danger [json-pointer:${pointer}/style]`);
    }
  }
  return problems;
}

/**
 * What Slack would reject in a blocks array, in Slack's own wording
 * ("must be less than 3001 characters [json-pointer:/blocks/0/text/text]"). Empty when valid.
 * Covers the limits our views rely on, not every rule of Block Kit.
 */
export function blockKitProblems(blocks: unknown, maxBlocks = MESSAGE_MAX_BLOCKS): string[] {
  if (!Array.isArray(blocks)) return ['must be an array [json-pointer:/blocks]'];
  const problems: string[] = [];
  if (blocks.length > maxBlocks) problems.push(`must have no more than ${maxBlocks} items [json-pointer:/blocks]`);
  const blockIds = new Set<string>();
  blocks.forEach((block: unknown, index) => {
    const p = `/blocks/${index}`;
    if (!isObject(block) || typeof block.type !== 'string') {
      problems.push(`missing required field: type [json-pointer:${p}]`);
      return;
    }
    if (block.block_id !== undefined) {
      problems.push(...stringProblem(block.block_id, `${p}/block_id`, 255));
      if (typeof block.block_id === 'string') {
        if (blockIds.has(block.block_id)) problems.push(`duplicate block_id [json-pointer:${p}/block_id]`);
        blockIds.add(block.block_id);
      }
    }
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) {
          problems.push(`must provide text or fields [json-pointer:${p}]`);
        }
        if (block.text !== undefined) {
          problems.push(...textObjectProblems(block.text, `${p}/text`, 3000, ['plain_text', 'mrkdwn']));
        }
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length > 10) {
            problems.push(`must be an array of no more than 10 items [json-pointer:${p}/fields]`);
          } else {
            block.fields.forEach((field: unknown, i) =>
              problems.push(...textObjectProblems(field, `${p}/fields/${i}`, 2000, ['plain_text', 'mrkdwn'])),
            );
          }
        }
        if (block.accessory !== undefined) problems.push(...elementProblems(block.accessory, `${p}/accessory`));
        break;
      }
      case 'header':
        problems.push(...textObjectProblems(block.text, `${p}/text`, 150, ['plain_text']));
        break;
      case 'context': {
        const elements = block.elements;
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) {
          problems.push(`must be an array of 1 to 10 items [json-pointer:${p}/elements]`);
          break;
        }
        elements.forEach((element: unknown, i) => {
          if (isObject(element) && element.type === 'image') return;
          problems.push(...textObjectProblems(element, `${p}/elements/${i}`, 3000, ['plain_text', 'mrkdwn']));
        });
        break;
      }
      case 'actions': {
        const elements = block.elements;
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 25) {
          problems.push(`must be an array of 1 to 25 items [json-pointer:${p}/elements]`);
          break;
        }
        const actionIds = new Set<string>();
        elements.forEach((element: unknown, i) => {
          problems.push(...elementProblems(element, `${p}/elements/${i}`));
          if (isObject(element) && typeof element.action_id === 'string') {
            if (actionIds.has(element.action_id)) {
              problems.push(`duplicate action_id [json-pointer:${p}/elements/${i}/action_id]`);
            }
            actionIds.add(element.action_id);
          }
        });
        break;
      }
      default:
        break;
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------
// Implementation

/** A Slack error answer: `{ ok: false, error, ...extra }`. */
class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
    readonly status = 200,
  ) {
    super(code);
  }
}

/** Arguments that WebClient JSON-encodes inside a form body. */
const JSON_ARGS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks']);

const RESPONSE_URL_USES = 5;
const RESPONSE_URL_LIFETIME_MS = 30 * 60 * 1000;
const MAX_BODY_BYTES = 5 * 1024 * 1024;

interface StoredMessage extends ChannelMessage {
  deleted: boolean;
  /** Content as first posted, for messagesIn(). */
  original: { text?: string; blocks: KnownBlock[] };
}

interface ResponseUrlState extends ResponseUrlOptions {
  uses: number;
  mintedAt: number;
}

type Handler = (args: Record<string, unknown>) => Record<string, unknown>;

function stringArg(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new SlackApiError('request_too_large', {}, 413);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The first file part of a multipart/form-data body, or undefined when the body is not multipart. */
function multipartFile(contentType: string | undefined, body: string): string | undefined {
  const boundary = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (!boundary) return undefined;
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split === -1) continue;
    const headers = part.slice(0, split);
    if (!/filename=/i.test(headers)) continue;
    return part.slice(split + 4).replace(/\r\n$/, '');
  }
  return undefined;
}

function parseArgs(req: IncomingMessage, url: URL, body: string): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (body.length > 0) {
    if (contentType === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new SlackApiError('invalid_json');
      }
      if (!isObject(parsed)) throw new SlackApiError('invalid_json');
      Object.assign(args, parsed);
    } else if (contentType === 'application/x-www-form-urlencoded' || contentType === '') {
      Object.assign(args, Object.fromEntries(new URLSearchParams(body)));
    } else {
      throw new SlackApiError('invalid_form_data');
    }
  }
  for (const key of JSON_ARGS) {
    const value = args[key];
    if (typeof value !== 'string') continue;
    try {
      args[key] = JSON.parse(value);
    } catch {
      throw new SlackApiError(key === 'blocks' ? 'invalid_blocks_format' : 'invalid_arguments');
    }
  }
  return args;
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

class Sandbox implements SlackSandbox {
  readonly url: string;
  readonly apiUrl: string;
  readonly token: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  private readonly teamName: string;
  private readonly appId: string;
  private readonly users?: Map<string, SandboxUser>;
  private readonly channels?: Map<string, SandboxChannel>;
  private readonly usergroups = new Map<string, string[]>();
  private readonly recorded: RecordedCall[] = [];
  private readonly messages: StoredMessage[] = [];
  private readonly ephemeralMessages: EphemeralMessage[] = [];
  private readonly modals = new Map<string, SandboxView>();
  private readonly homes = new Map<string, SandboxView>();
  private readonly failures = new Map<string, { error: string; remaining: number }[]>();
  private readonly rateLimits = new Map<string, number[]>();
  private readonly responseUrls = new Map<string, ResponseUrlState>();
  private readonly triggers = new Map<string, { issuedAt: number; used: boolean }>();
  /** Files between getUploadURLExternal and completeUploadExternal: what was announced, and the bytes once uploaded. */
  private readonly pendingUploads = new Map<string, { filename: string; length: number; content?: string }>();
  private readonly shared: SharedFile[] = [];
  private readonly revokedScopes = new Set<string>();
  private readonly events = new EventEmitter();
  private readonly handlers: Record<string, Handler>;
  private lastTs: [number, number] = [0, 0];
  private sequence = 0;

  constructor(
    private readonly server: Server,
    port: number,
    options: SlackSandboxOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.url}/api/`;
    this.token = options.token ?? 'xoxb-sandbox-token';
    this.teamId = options.teamId ?? 'T0SANDBOX';
    this.teamName = options.teamName ?? 'Sandbox';
    this.botUserId = options.botUserId ?? 'U0GLUEBOT';
    this.botId = options.botId ?? 'B0GLUEBOT';
    this.appId = options.appId ?? 'A0GLUEENC';
    if (options.users) this.users = new Map(options.users.map((u) => [u.id, u]));
    if (options.channels) this.channels = new Map(options.channels.map((c) => [c.id, c]));
    for (const [id, members] of Object.entries(options.usergroups ?? {})) this.usergroups.set(id, [...members]);
    this.events.setMaxListeners(0);
    this.handlers = {
      'auth.test': () => this.authTest(),
      'chat.postMessage': (args) => this.postMessage(args),
      'chat.update': (args) => this.update(args),
      'chat.delete': (args) => this.deleteMessage(args),
      'chat.postEphemeral': (args) => this.postEphemeral(args),
      'views.open': (args) => this.viewsOpen(args),
      'views.update': (args) => this.viewsUpdate(args),
      'views.publish': (args) => this.viewsPublish(args),
      'users.info': (args) => this.usersInfo(args),
      'usergroups.users.list': (args) => this.usergroupUsers(args),
      'conversations.info': (args) => this.conversationsInfo(args),
      'files.getUploadURLExternal': (args) => this.getUploadUrlExternal(args),
      'files.completeUploadExternal': (args) => this.completeUploadExternal(args),
    };
  }

  // ----- inspection -----

  calls(method?: string): RecordedCall[] {
    return this.recorded.filter((call) => method === undefined || call.method === method);
  }

  messagesIn(channel: string): PostedMessage[] {
    const id = this.channelIdFor(channel);
    return this.messages
      .filter((m) => m.channel === id)
      .map((m) => ({
        channel: m.channel,
        ts: m.ts,
        ...(m.threadTs !== undefined ? { threadTs: m.threadTs } : {}),
        ...(m.original.text !== undefined ? { text: m.original.text } : {}),
        blocks: m.original.blocks,
        user: m.user,
        via: m.via,
        postedAt: m.postedAt,
      }));
  }

  channelView(channel: string): ChannelMessage[] {
    const id = this.channelIdFor(channel);
    return this.messages
      .filter((m) => m.channel === id && !m.deleted)
      .map((m) => {
        const { deleted: _deleted, original: _original, ...view } = m;
        return view;
      });
  }

  ephemerals(filter: { channel?: string; user?: string } = {}): EphemeralMessage[] {
    const channel = filter.channel === undefined ? undefined : this.channelIdFor(filter.channel);
    return this.ephemeralMessages.filter(
      (m) => (channel === undefined || m.channel === channel) && (filter.user === undefined || m.user === filter.user),
    );
  }

  homeTab(user: string): SandboxView | undefined {
    return this.homes.get(user);
  }

  views(): SandboxView[] {
    return [...this.modals.values()];
  }

  waitFor<T>(predicate: (sandbox: SlackSandbox) => T | false | null | undefined, timeoutMs = 5000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        const value = predicate(this);
        if (value === false || value === null || value === undefined) return false;
        cleanup();
        resolve(value);
        return true;
      };
      const onCall = (): void => {
        try {
          check();
        } catch (err) {
          cleanup();
          reject(err as Error);
        }
      };
      const timer = setTimeout(() => {
        if (check()) return;
        cleanup();
        const recent = this.recorded
          .slice(-10)
          .map((c) => `${c.method}${c.ok ? '' : ` (${c.error ?? c.status})`}`)
          .join(', ');
        reject(new Error(`waitFor: condition not met within ${timeoutMs} ms. Last calls: ${recent || 'none'}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.events.off('call', onCall);
      };
      this.events.on('call', onCall);
      onCall();
    });
  }

  // ----- failure injection and setup -----

  failNext(method: string, error: string, times = 1): void {
    const queue = this.failures.get(method) ?? [];
    queue.push({ error, remaining: times });
    this.failures.set(method, queue);
  }

  rateLimitNext(method: string, retryAfterSeconds: number): void {
    const queue = this.rateLimits.get(method) ?? [];
    queue.push(retryAfterSeconds);
    this.rateLimits.set(method, queue);
  }

  mintResponseUrl(options: ResponseUrlOptions): string {
    this.sequence += 1;
    const id = `R${String(this.sequence).padStart(6, '0')}${Math.random().toString(36).slice(2, 10)}`;
    this.responseUrls.set(id, { ...options, channel: this.channelIdFor(options.channel), uses: 0, mintedAt: Date.now() });
    return `${this.url}/response/${id}`;
  }

  mintTriggerId(at: Date = new Date()): string {
    this.sequence += 1;
    const id = `${Math.floor(at.getTime() / 1000)}.${this.sequence}.${Math.random().toString(16).slice(2, 14)}`;
    this.triggers.set(id, { issuedAt: at.getTime(), used: false });
    return id;
  }

  setUsergroup(id: string, userIds: string[]): void {
    this.usergroups.set(id, [...userIds]);
  }

  sharedFiles(): SharedFile[] {
    return this.shared.map((f) => ({ ...f }));
  }

  revokeScope(scope: string): void {
    this.revokedScopes.add(scope);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections();
    });
  }

  // ----- HTTP -----

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    const response = /^\/response\/([A-Za-z0-9]+)$/.exec(url.pathname);
    if (api?.[1]) return this.handleApi(api[1], req, res, url);
    if (response?.[1] && req.method === 'POST') return this.handleResponseUrl(response[1], req, res, url);
    const upload = /^\/upload\/(F[A-Z0-9]+)$/.exec(url.pathname);
    if (upload?.[1] && req.method === 'POST') return this.handleUpload(upload[1], req, res);
    send(res, 404, { ok: false, error: 'not_found' });
  }

  private record(method: string, args: Record<string, unknown>, status: number, error?: string): void {
    const { token: _token, ...rest } = args;
    this.recorded.push({ method, args: rest, at: new Date(), status, ok: error === undefined, ...(error ? { error } : {}) });
    this.events.emit('call');
  }

  private async handleApi(method: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let args: Record<string, unknown> = {};
    try {
      args = parseArgs(req, url, await readBody(req));

      const retryAfter = this.rateLimits.get(method)?.shift();
      if (retryAfter !== undefined) {
        this.record(method, args, 429, 'ratelimited');
        send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
        return;
      }

      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const token = bearer ?? stringArg(args, 'token');
      if (token === undefined) throw new SlackApiError('not_authed');
      if (token !== this.token) throw new SlackApiError('invalid_auth');

      const failure = this.failures.get(method)?.[0];
      if (failure) {
        failure.remaining -= 1;
        if (failure.remaining <= 0) this.failures.get(method)?.shift();
        throw new SlackApiError(failure.error);
      }

      const handler = this.handlers[method];
      if (!handler) throw new SlackApiError('unknown_method');
      const result = handler(args);
      this.record(method, args, 200);
      send(res, 200, { ok: true, ...result });
    } catch (err) {
      const error = err instanceof SlackApiError ? err : new SlackApiError('internal_error', {}, 500);
      this.record(method, args, error.status, error.code);
      send(res, error.status, { ok: false, error: error.code, ...error.extra });
    }
  }

  /** The upload URL files.getUploadURLExternal hands out: takes the file's bytes, answers in plain text as Slack's does. */
  private async handleUpload(fileId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pending = this.pendingUploads.get(fileId);
    const body = await readBody(req).catch(() => undefined);
    if (!pending || body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    // The SDK posts the bytes as multipart/form-data (one file part); a raw body is accepted too.
    const content = multipartFile(req.headers['content-type'], body) ?? body;
    pending.content = content;
    this.record('upload', { file_id: fileId, bytes: Buffer.byteLength(content) }, 200);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${Buffer.byteLength(content)}`);
  }

  private async handleResponseUrl(id: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let args: Record<string, unknown> = {};
    try {
      args = parseArgs(req, url, await readBody(req));
      args.response_url_id = id;
      const state = this.responseUrls.get(id);
      if (!state) throw new SlackApiError('invalid_url', {}, 404);
      if (Date.now() - state.mintedAt > RESPONSE_URL_LIFETIME_MS) throw new SlackApiError('expired_url', {}, 404);
      if (state.uses >= RESPONSE_URL_USES) throw new SlackApiError('used_url', {}, 404);
      state.uses += 1;

      const failure = this.failures.get('response_url')?.[0];
      if (failure) {
        failure.remaining -= 1;
        if (failure.remaining <= 0) this.failures.get('response_url')?.shift();
        throw new SlackApiError(failure.error, {}, 400);
      }

      if (args.delete_original === true || args.delete_original === 'true') {
        this.findMessage(state.channel, state.messageTs).deleted = true;
      } else {
        const content = this.content(args, true);
        if (content.problems) throw new SlackApiError('invalid_blocks', content.problems, 400);
        if (args.replace_original === true || args.replace_original === 'true') {
          this.applyUpdate(this.findMessage(state.channel, state.messageTs), args);
        } else if (args.response_type === 'in_channel') {
          this.storeMessage(state.channel, args, 'response_url');
        } else {
          if (!state.user) throw new SlackApiError('no_user_for_ephemeral', {}, 400);
          this.ephemeralMessages.push({
            channel: state.channel,
            user: state.user,
            messageTs: this.nextTs(),
            ...(content.text !== undefined ? { text: content.text } : {}),
            blocks: content.blocks ?? [],
            via: 'response_url',
            postedAt: new Date(),
          });
        }
      }
      this.record('response_url', args, 200);
      send(res, 200, { ok: true });
    } catch (err) {
      const error = err instanceof SlackApiError ? err : new SlackApiError('internal_error', {}, 500);
      const status = error.status === 200 ? 404 : error.status;
      this.record('response_url', args, status, error.code);
      send(res, status, { ok: false, error: error.code, ...error.extra });
    }
  }

  // ----- helpers -----

  /** Unique, increasing Slack-style timestamps ("1764318000.000100"). */
  private nextTs(): string {
    const now = Math.floor(Date.now() / 1000);
    let [seconds, micros] = this.lastTs;
    if (now > seconds) {
      seconds = now;
      micros = 100;
    } else {
      micros += 100;
      if (micros > 999_999) {
        seconds += 1;
        micros = 100;
      }
    }
    this.lastTs = [seconds, micros];
    return `${seconds}.${String(micros).padStart(6, '0')}`;
  }

  /** Channel ID for an ID or a name ("#sec", "sec"); the reference itself when channels are not configured. */
  private channelIdFor(reference: string): string {
    if (!this.channels) return reference;
    if (this.channels.has(reference)) return reference;
    const name = reference.replace(/^#/, '');
    for (const channel of this.channels.values()) if (channel.name === name) return channel.id;
    return reference;
  }

  private channelArg(args: Record<string, unknown>): SandboxChannel {
    const reference = stringArg(args, 'channel');
    if (reference === undefined) throw new SlackApiError('channel_not_found');
    if (!this.channels) return { id: reference, name: reference.replace(/^#/, '').toLowerCase(), isMember: true };
    const channel = this.channels.get(this.channelIdFor(reference));
    if (!channel) throw new SlackApiError('channel_not_found');
    return channel;
  }

  private postableChannel(args: Record<string, unknown>): SandboxChannel {
    const channel = this.channelArg(args);
    if (channel.isArchived) throw new SlackApiError('is_archived');
    if (channel.isMember === false) throw new SlackApiError('not_in_channel');
    return channel;
  }

  private userFor(id: string | undefined): SandboxUser {
    if (id === undefined) throw new SlackApiError('user_not_found');
    if (this.users) {
      const user = this.users.get(id);
      if (!user) throw new SlackApiError('user_not_found');
      return user;
    }
    if (!/^[UW][A-Z0-9]+$/.test(id)) throw new SlackApiError('user_not_found');
    return { id, name: `user-${id.toLowerCase()}` };
  }

  /** Text and blocks of a message-like call, with Slack's checks on them. */
  private content(
    args: Record<string, unknown>,
    requireSome: boolean,
  ): { text?: string; blocks?: KnownBlock[]; problems?: Record<string, unknown> } {
    const text = typeof args.text === 'string' ? args.text : undefined;
    const blocks = args.blocks;
    if (text !== undefined && text.length > MAX_TEXT) throw new SlackApiError('msg_too_long');
    if (blocks !== undefined) {
      const problems = blockKitProblems(blocks, MESSAGE_MAX_BLOCKS);
      if (problems.length > 0) {
        return { problems: { errors: problems, response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } } };
      }
    }
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    if (requireSome && !text && !hasBlocks && args.attachments === undefined) throw new SlackApiError('no_text');
    return {
      ...(text !== undefined ? { text } : {}),
      ...(Array.isArray(blocks) ? { blocks: blocks as KnownBlock[] } : {}),
    };
  }

  private checkedContent(args: Record<string, unknown>, requireSome: boolean): { text?: string; blocks?: KnownBlock[] } {
    const content = this.content(args, requireSome);
    if (content.problems) throw new SlackApiError('invalid_blocks', content.problems);
    return content;
  }

  private storeMessage(channel: string, args: Record<string, unknown>, via: PostedMessage['via']): StoredMessage {
    const content = this.checkedContent(args, true);
    const threadTs = stringArg(args, 'thread_ts');
    const message: StoredMessage = {
      channel,
      ts: this.nextTs(),
      ...(threadTs !== undefined ? { threadTs } : {}),
      ...(content.text !== undefined ? { text: content.text } : {}),
      blocks: content.blocks ?? [],
      user: this.botUserId,
      via,
      postedAt: new Date(),
      edits: 0,
      deleted: false,
      original: { ...(content.text !== undefined ? { text: content.text } : {}), blocks: content.blocks ?? [] },
    };
    this.messages.push(message);
    return message;
  }

  private findMessage(channel: string, ts: string | undefined): StoredMessage {
    const message = this.messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
    if (!message) throw new SlackApiError('message_not_found');
    return message;
  }

  /** chat.update semantics: text replaced when given; blocks kept unless given ([] removes them). */
  private applyUpdate(message: StoredMessage, args: Record<string, unknown>): void {
    const content = this.checkedContent(args, false);
    if (content.text === undefined && content.blocks === undefined) throw new SlackApiError('no_text');
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks !== undefined) message.blocks = content.blocks;
    message.edits += 1;
    message.editedAt = new Date();
  }

  private messageJson(message: StoredMessage): Record<string, unknown> {
    return {
      type: 'message',
      subtype: 'bot_message',
      text: message.text ?? '',
      blocks: message.blocks,
      user: message.user,
      bot_id: this.botId,
      app_id: this.appId,
      team: this.teamId,
      ts: message.ts,
      ...(message.threadTs !== undefined ? { thread_ts: message.threadTs } : {}),
    };
  }

  // ----- methods -----

  private authTest(): Record<string, unknown> {
    return {
      url: `https://${this.teamName.toLowerCase()}.slack.com/`,
      team: this.teamName,
      user: 'glue-encrypt',
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    };
  }

  private requireScope(scope: string): void {
    if (this.revokedScopes.has(scope)) throw new SlackApiError('missing_scope', { needed: scope, provided: 'chat:write,commands' });
  }

  private getUploadUrlExternal(args: Record<string, unknown>): Record<string, unknown> {
    this.requireScope('files:write');
    const filename = stringArg(args, 'filename');
    const length = Number(stringArg(args, 'length') ?? args.length);
    if (!filename || !Number.isInteger(length) || length < 1) throw new SlackApiError('invalid_arguments');
    if (length > 1024 ** 3) throw new SlackApiError('file_too_large');
    const fileId = `F${String(++this.sequence).padStart(9, '0')}`;
    this.pendingUploads.set(fileId, { filename, length });
    return { upload_url: `${this.url}/upload/${fileId}`, file_id: fileId };
  }

  private completeUploadExternal(args: Record<string, unknown>): Record<string, unknown> {
    this.requireScope('files:write');
    let files: unknown;
    try {
      files = typeof args.files === 'string' ? JSON.parse(args.files) : args.files;
    } catch {
      throw new SlackApiError('invalid_arguments');
    }
    if (!Array.isArray(files) || files.length === 0) throw new SlackApiError('invalid_arguments');
    const entries = files.map((f) => (isObject(f) && typeof f.id === 'string' ? { id: f.id, title: typeof f.title === 'string' ? f.title : undefined } : undefined));
    const uploads = entries.map((e) => (e ? this.pendingUploads.get(e.id) : undefined));
    // A file announced but never uploaded (or not announced) cannot be completed.
    if (uploads.some((u) => u?.content === undefined)) throw new SlackApiError('file_not_found');
    const channelId = stringArg(args, 'channel_id');
    const channel = channelId === undefined ? undefined : this.postableChannel({ channel: channelId });
    const threadTs = stringArg(args, 'thread_ts');
    if (threadTs !== undefined && (!channel || !this.messages.some((m) => m.channel === channel.id && m.ts === threadTs && !m.deleted))) {
      throw new SlackApiError('invalid_thread_ts');
    }
    const initialComment = stringArg(args, 'initial_comment');
    const out = entries.map((e, i) => {
      const upload = uploads[i]!;
      this.pendingUploads.delete(e!.id);
      if (channel) {
        this.shared.push({
          id: e!.id,
          filename: upload.filename,
          ...(e!.title !== undefined ? { title: e!.title } : {}),
          content: upload.content!,
          channel: channel.id,
          ...(threadTs !== undefined ? { threadTs } : {}),
          ...(initialComment !== undefined ? { initialComment } : {}),
        });
      }
      return { id: e!.id, title: e!.title ?? upload.filename };
    });
    return { files: out };
  }

  private postMessage(args: Record<string, unknown>): Record<string, unknown> {
    const channel = this.postableChannel(args);
    const message = this.storeMessage(channel.id, args, 'chat.postMessage');
    return { channel: channel.id, ts: message.ts, message: this.messageJson(message) };
  }

  private update(args: Record<string, unknown>): Record<string, unknown> {
    const channel = this.channelArg(args);
    const message = this.findMessage(channel.id, stringArg(args, 'ts'));
    this.applyUpdate(message, args);
    return { channel: channel.id, ts: message.ts, text: message.text ?? '', message: this.messageJson(message) };
  }

  private deleteMessage(args: Record<string, unknown>): Record<string, unknown> {
    const channel = this.channelArg(args);
    const message = this.findMessage(channel.id, stringArg(args, 'ts'));
    message.deleted = true;
    return { channel: channel.id, ts: message.ts };
  }

  private postEphemeral(args: Record<string, unknown>): Record<string, unknown> {
    const channel = this.postableChannel(args);
    const user = this.userFor(stringArg(args, 'user'));
    const content = this.checkedContent(args, true);
    const messageTs = this.nextTs();
    this.ephemeralMessages.push({
      channel: channel.id,
      user: user.id,
      messageTs,
      ...(content.text !== undefined ? { text: content.text } : {}),
      blocks: content.blocks ?? [],
      via: 'chat.postEphemeral',
      postedAt: new Date(),
    });
    return { message_ts: messageTs };
  }

  private viewArg(args: Record<string, unknown>): Record<string, unknown> {
    const view = args.view;
    if (!isObject(view) || (view.type !== 'modal' && view.type !== 'home')) throw new SlackApiError('invalid_arguments');
    const problems = blockKitProblems(view.blocks ?? [], VIEW_MAX_BLOCKS);
    if (view.type === 'modal') problems.push(...textObjectProblems(view.title, '/view/title', 24, ['plain_text']));
    if (problems.length > 0) {
      throw new SlackApiError('invalid_arguments', { response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
    }
    return view;
  }

  private viewJson(stored: SandboxView): Record<string, unknown> {
    return {
      ...stored.view,
      id: stored.id,
      team_id: this.teamId,
      app_id: this.appId,
      bot_id: this.botId,
      hash: stored.hash,
      root_view_id: stored.id,
      state: { values: {} },
      ...(stored.externalId !== undefined ? { external_id: stored.externalId } : {}),
    };
  }

  private viewsOpen(args: Record<string, unknown>): Record<string, unknown> {
    const triggerId = stringArg(args, 'trigger_id');
    const trigger = triggerId === undefined ? undefined : this.triggers.get(triggerId);
    if (!trigger) throw new SlackApiError('invalid_trigger_id');
    if (trigger.used) throw new SlackApiError('exchanged_trigger_id');
    if (Date.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) throw new SlackApiError('expired_trigger_id');
    const view = this.viewArg(args);
    trigger.used = true;
    this.sequence += 1;
    const externalId = typeof view.external_id === 'string' ? view.external_id : undefined;
    const stored: SandboxView = {
      id: `V${String(this.sequence).padStart(8, '0')}`,
      hash: `${Date.now()}.${this.sequence}`,
      view,
      triggerId,
      ...(externalId !== undefined ? { externalId } : {}),
    };
    this.modals.set(stored.id, stored);
    return { view: this.viewJson(stored) };
  }

  /**
   * views.publish: a user's Home tab (type home only; 100 blocks at most, as for any view). A
   * `hash` that is not the current one is refused (hash_conflict), so two publishers cannot
   * overwrite each other unknowingly.
   */
  private viewsPublish(args: Record<string, unknown>): Record<string, unknown> {
    const user = stringArg(args, 'user_id');
    if (user === undefined) throw new SlackApiError('invalid_arguments');
    if (this.users && !this.users.has(user)) throw new SlackApiError('user_not_found');
    const view = this.viewArg(args);
    if (view.type !== 'home') throw new SlackApiError('invalid_arguments');
    const current = this.homes.get(user);
    const hash = stringArg(args, 'hash');
    if (hash !== undefined && current && hash !== current.hash) throw new SlackApiError('hash_conflict');
    this.sequence += 1;
    const stored: SandboxView = { id: current?.id ?? `V${String(this.sequence).padStart(8, '0')}`, hash: `${Date.now()}.${this.sequence}`, view };
    this.homes.set(user, stored);
    return { view: this.viewJson(stored) };
  }

  private viewsUpdate(args: Record<string, unknown>): Record<string, unknown> {
    const viewId = stringArg(args, 'view_id');
    const externalId = stringArg(args, 'external_id');
    const stored =
      viewId !== undefined
        ? this.modals.get(viewId)
        : [...this.modals.values()].find((v) => externalId !== undefined && v.externalId === externalId);
    if (!stored) throw new SlackApiError('not_found');
    const hash = stringArg(args, 'hash');
    if (hash !== undefined && hash !== stored.hash) throw new SlackApiError('hash_conflict');
    stored.view = this.viewArg(args);
    this.sequence += 1;
    stored.hash = `${Date.now()}.${this.sequence}`;
    return { view: this.viewJson(stored) };
  }

  private usersInfo(args: Record<string, unknown>): Record<string, unknown> {
    const user = this.userFor(stringArg(args, 'user'));
    return {
      user: {
        id: user.id,
        team_id: this.teamId,
        name: user.name,
        deleted: user.deleted ?? false,
        real_name: user.realName ?? user.name,
        tz: user.tz ?? 'Etc/UTC',
        is_admin: user.isAdmin ?? false,
        is_bot: user.isBot ?? false,
        profile: {
          real_name: user.realName ?? user.name,
          display_name: user.name,
          ...(user.email !== undefined ? { email: user.email } : {}),
        },
      },
    };
  }

  private usergroupUsers(args: Record<string, unknown>): Record<string, unknown> {
    const id = stringArg(args, 'usergroup');
    const users = id === undefined ? undefined : this.usergroups.get(id);
    if (!users) throw new SlackApiError('no_such_subteam');
    return { users: [...users] };
  }

  private conversationsInfo(args: Record<string, unknown>): Record<string, unknown> {
    const channel = this.channelArg(args);
    return {
      channel: {
        id: channel.id,
        name: channel.name,
        is_channel: true,
        is_private: channel.isPrivate ?? false,
        is_member: channel.isMember ?? true,
        is_archived: channel.isArchived ?? false,
      },
    };
  }
}

/** Starts the stand-in on 127.0.0.1 on an ephemeral port. */
export async function startSlackSandbox(options: SlackSandboxOptions = {}): Promise<SlackSandbox> {
  // The server exists before the sandbox that knows its port; requests wait for neither.
  const ready: { sandbox?: Sandbox } = {};
  const server = createServer((req, res) => {
    if (!ready.sandbox) {
      send(res, 503, { ok: false, error: 'starting' });
      return;
    }
    ready.sandbox.handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { ok: false, error: 'internal_error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  ready.sandbox = new Sandbox(server, (server.address() as AddressInfo).port, options);
  return ready.sandbox;
}

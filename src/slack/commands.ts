// Parses the text a person typed after `/glue-encrypt` into a command, or says plainly
// what is wrong with it. Pure: no Slack, no AWS.
//
// Adding a subcommand is adding a member to ParsedCommand and an entry to COMMANDS.

import * as z from 'zod/mini';
import { ACCOUNT_PATTERN, REGION_PATTERN } from '../config.js';
import { canonicalTimeZone, parseCadence, type Cadence } from '../digests/schedule.js';
import { unescapeMrkdwn } from './views/blocks.js';

export type ParsedCommand =
  | { kind: 'check'; transform?: string; regions?: string[]; accounts?: string[] }
  | { kind: 'help' }
  | { kind: 'history'; transform: string }
  | { kind: 'status' }
  | { kind: 'subscribe'; cadence: Cadence; timeZone: string; onlyFailures: boolean; regions?: string[]; accounts?: string[] }
  | { kind: 'unsubscribe'; id?: string }
  | { kind: 'subscriptions' }
  | { kind: 'digest' }
  | { kind: 'report'; since?: string; format: 'csv' | 'json' }
  | { kind: 'waivers'; all: boolean }
  | { kind: 'invalid'; error: string };

export type CommandKind = Exclude<ParsedCommand['kind'], 'invalid'>;

/** The most regions (and, separately, accounts) one command may name. */
export const MAX_LIST_VALUES = 20;

// ---------------------------------------------------------------------------------------
// Values

const regionSchema = z.pipe(
  z.string().check(
    z.refine((value) => REGION_PATTERN.test(value.toLowerCase()), {
      error: (issue) => `"${String(issue.input)}" is not an AWS region (expected something like eu-west-1).`,
    }),
  ),
  z.transform((value: string) => value.toLowerCase()),
);

const accountSchema = z.string().check(
  z.regex(ACCOUNT_PATTERN, {
    error: (issue) => `"${String(issue.input)}" is not an AWS account ID (12 digits).`,
  }),
);

// Glue names: 1-255 characters, no control characters.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const transformSchema = z.string().check(
  z.minLength(1, { error: 'The transform name is empty.' }),
  z.maxLength(255, { error: 'A transform name has at most 255 characters.' }),
  z.refine((value) => !CONTROL_CHARACTERS.test(value), {
    error: 'A transform name cannot contain control characters.',
  }),
);

/** A Glue ML transform ID ("tfm-" and hex); anything else is taken as a name. */
export { looksLikeTransformId as isTransformId } from '../inventory/transformId.js';

const timeZoneSchema = z.pipe(
  z.string().check(
    z.refine((value) => canonicalTimeZone(value) !== undefined, {
      error: (issue) => `"${String(issue.input)}" is not a time zone: use an IANA name like Europe/Paris, America/New_York or UTC.`,
    }),
  ),
  z.transform((value: string) => canonicalTimeZone(value)!),
);

const sinceSchema = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, { error: (issue) => `"${String(issue.input)}" is not a date (YYYY-MM-DD, e.g. 2026-11-01).` }),
);
const formatSchema = z.pipe(
  z.string().check(z.refine((v) => ['csv', 'json'].includes(v.toLowerCase()), { error: (issue) => `"${String(issue.input)}" is not a report format: csv or json.` })),
  z.transform((v: string) => v.toLowerCase()),
);

/** Flags take no value; the schema is never asked. */
const flagSchema = z.string();

// ---------------------------------------------------------------------------------------
// Options

interface OptionSpec {
  /** Placeholder shown in usage, e.g. "r1[,r2...]". */
  placeholder: string;
  description: string;
  schema: z.ZodMiniType<string, string>;
  /** Noun for messages: "region", "account". */
  noun: string;
  /** One value, not a comma list (a time zone). */
  single?: true;
  /** Present or absent, no value (--only-failures). */
  flag?: true;
}

export const OPTIONS = {
  region: {
    placeholder: 'r1[,r2...]',
    description: `Regions to check (comma-separated, up to ${MAX_LIST_VALUES}); default: the configured regions.`,
    schema: regionSchema,
    noun: 'region',
  },
  account: {
    placeholder: '123456789012[,...]',
    description: `Accounts to check (comma-separated, up to ${MAX_LIST_VALUES}); default: the configured accounts.`,
    schema: accountSchema,
    noun: 'account',
  },
  tz: {
    placeholder: 'Area/City',
    description: 'Time zone the digest time is in (an IANA name such as Europe/Paris); default UTC.',
    schema: timeZoneSchema,
    noun: 'time zone',
    single: true,
  },
  since: {
    placeholder: 'YYYY-MM-DD',
    description: 'The audit trail from this UTC day on (at most 92 days back); default: the last 30 days.',
    schema: sinceSchema,
    noun: 'date',
    single: true,
  },
  format: {
    placeholder: 'csv|json',
    description: 'The report file: csv (one row per transform and per audit event) or json; default csv.',
    schema: formatSchema,
    noun: 'format',
    single: true,
  },
  all: {
    placeholder: '',
    description: 'List the ended waivers too (rejected, revoked, expired).',
    schema: flagSchema,
    noun: 'flag',
    flag: true,
  },
  'only-failures': {
    placeholder: '',
    description: 'List only failing and warning transforms (the totals still count every one).',
    schema: flagSchema,
    noun: 'flag',
    flag: true,
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

// ---------------------------------------------------------------------------------------
// Subcommands

interface Arguments {
  positional: string[];
  options: Partial<Record<OptionName, string[]>>;
}

interface CommandSpec {
  /** Usage line without the slash command, e.g. "check [<transform>] [--region ...]". */
  usage: string;
  summary: string;
  options: readonly OptionName[];
  /** Positional arguments: how many are required and allowed, and what they are called. */
  positional: { min: number; max: number; name?: string };
  /** Accept and ignore anything after the subcommand (help). */
  lenient?: boolean;
  build(args: Arguments): ParsedCommand;
}

export const COMMANDS = {
  check: {
    usage: 'check [<transform id or name>] [--region r1[,r2...]] [--account 123456789012[,...]]',
    summary: 'Check ML transforms for encryption at rest and post the findings here.',
    options: ['region', 'account'],
    positional: { min: 0, max: 1, name: 'transform ID or name' },
    build: ({ positional, options }) => ({
      kind: 'check',
      ...(positional[0] !== undefined ? { transform: positional[0] } : {}),
      ...(options.region ? { regions: options.region } : {}),
      ...(options.account ? { accounts: options.account } : {}),
    }),
  },
  history: {
    usage: 'history <transform id or name>',
    summary: 'Show the audit trail of one transform: checks, remediations, approvals.',
    options: [],
    positional: { min: 1, max: 1, name: 'transform ID or name' },
    build: ({ positional }) => ({ kind: 'history', transform: positional[0] ?? '' }),
  },
  status: {
    usage: 'status',
    summary: 'Show remediations in progress and awaiting approval.',
    options: [],
    positional: { min: 0, max: 0 },
    build: () => ({ kind: 'status' }),
  },
  subscribe: {
    usage: 'subscribe [daily HH:MM | weekly DAY HH:MM] [--tz Area/City] [--only-failures] [--account …] [--region …]',
    summary: 'Post a digest of the posture and what changed to this channel on a schedule (default daily 09:00 UTC).',
    options: ['tz', 'only-failures', 'account', 'region'],
    positional: { min: 0, max: 3, name: 'schedule' },
    build: ({ positional, options }) => {
      const cadence = parseCadence(positional);
      if ('error' in cadence) return invalid(cadence.error);
      return {
        kind: 'subscribe',
        cadence,
        timeZone: options.tz?.[0] ?? 'UTC',
        onlyFailures: options['only-failures'] !== undefined,
        ...(options.region ? { regions: options.region } : {}),
        ...(options.account ? { accounts: options.account } : {}),
      };
    },
  },
  unsubscribe: {
    usage: 'unsubscribe [<subscription id>]',
    summary: "Stop one of this channel's digests (the id is in `subscriptions`; not needed when there is only one).",
    options: [],
    positional: { min: 0, max: 1, name: 'subscription id' },
    build: ({ positional }) => {
      const id = positional[0]?.toLowerCase();
      if (id !== undefined && !/^[0-9a-f]{6}$/.test(id)) return invalid(`"${positional[0]!}" is not a subscription id (six characters, as \`subscriptions\` lists them).`);
      return { kind: 'unsubscribe', ...(id ? { id } : {}) };
    },
  },
  subscriptions: {
    usage: 'subscriptions',
    summary: "List this channel's digest subscriptions.",
    options: [],
    positional: { min: 0, max: 0 },
    build: () => ({ kind: 'subscriptions' }),
  },
  digest: {
    usage: 'digest',
    summary: "Post this channel's digest now: scan, compare with its last digest, report.",
    options: [],
    positional: { min: 0, max: 0 },
    build: () => ({ kind: 'digest' }),
  },
  report: {
    usage: 'report [--since YYYY-MM-DD] [--format csv|json]',
    summary: 'Upload evidence for auditors here: every transform\'s finding with its controls, and the audit trail of the period.',
    options: ['since', 'format'],
    positional: { min: 0, max: 0 },
    build: ({ options }) => ({
      kind: 'report',
      ...(options.since ? { since: options.since[0]! } : {}),
      format: options.format?.[0] === 'json' ? 'json' : 'csv',
    }),
  },
  waivers: {
    usage: 'waivers [--all]',
    summary: 'List the accepted risks in force and waiting for approval (press Accept risk on a failing finding to ask for one).',
    options: ['all'],
    positional: { min: 0, max: 0 },
    build: ({ options }) => ({ kind: 'waivers', all: options.all !== undefined }),
  },
  help: {
    usage: 'help',
    summary: 'Show this help.',
    options: [],
    positional: { min: 0, max: 0 },
    lenient: true,
    build: () => ({ kind: 'help' }),
  },
} as const satisfies Record<CommandKind, CommandSpec>;

// ---------------------------------------------------------------------------------------
// Parsing

interface Token {
  value: string;
  /** Quoted tokens are always values, even when they start with "--". */
  quoted: boolean;
}

const OPEN_QUOTES = new Set(['"', '\u201c', '\u201e']);
const CLOSE_QUOTES = new Set(['"', '\u201d', '\u201c']);

/** Splits on whitespace; double quotes (straight or the curly ones Slack clients type) group words. */
function tokenize(text: string): Token[] | { error: string } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (OPEN_QUOTES.has(ch)) {
      let end = i + 1;
      while (end < text.length && !CLOSE_QUOTES.has(text.charAt(end))) end += 1;
      if (end >= text.length) return { error: 'A double quote is not closed.' };
      tokens.push({ value: text.slice(i + 1, end), quoted: true });
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < text.length && !/\s/.test(text.charAt(end))) end += 1;
    tokens.push({ value: text.slice(i, end), quoted: false });
    i = end;
  }
  return tokens;
}

function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

function isCommandKind(name: string): name is CommandKind {
  return Object.hasOwn(COMMANDS, name);
}

function invalid(error: string): ParsedCommand {
  return { kind: 'invalid', error };
}

/** Splits "a,b, c" into values, validates each and removes duplicates. */
function parseList(option: OptionName, raw: string): string[] | { error: string } {
  const spec: OptionSpec = OPTIONS[option];
  const values: string[] = [];
  for (const part of raw.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const parsed = spec.schema.safeParse(trimmed);
    if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? `Invalid ${spec.noun}.` };
    if (!values.includes(parsed.data)) values.push(parsed.data);
  }
  if (values.length === 0) return { error: `--${option} needs a value, e.g. --${option} ${spec.placeholder}.` };
  return values;
}

function quoteForMessage(value: string): string {
  return value.length > 60 ? `"${value.slice(0, 57)}..."` : `"${value}"`;
}

/**
 * Parses the text after `/glue-encrypt` (as Slack sends it: `&amp;`, `&lt;`, `&gt;` are decoded).
 * Empty text is `help`. Never throws: problems come back as `{ kind: 'invalid', error }`.
 */
export function parseCommand(text: string): ParsedCommand {
  // Zero-width spaces come with text copied from the bot's messages (see views/blocks.ts unformatted).
  const tokenized = tokenize(unescapeMrkdwn(text).replaceAll('\u200B', ''));
  if (!Array.isArray(tokenized)) return invalid(tokenized.error);
  const [first, ...rest] = tokenized;
  if (first === undefined) return { kind: 'help' };

  const name = first.value.toLowerCase();
  if (first.quoted || !isCommandKind(name)) {
    return invalid(
      `I don't know the command ${quoteForMessage(first.value)}. Commands: ${Object.keys(COMMANDS).join(', ')}.`,
    );
  }
  const spec: CommandSpec = COMMANDS[name];
  if (spec.lenient) return spec.build({ positional: [], options: {} });

  const args: Arguments = { positional: [], options: {} };
  for (let i = 0; i < rest.length; i += 1) {
    const token = rest[i];
    if (token === undefined) break;

    if (token.quoted || !token.value.startsWith('--')) {
      const checked = transformSchema.safeParse(token.value);
      if (!checked.success) return invalid(checked.error.issues[0]?.message ?? 'Invalid transform name.');
      args.positional.push(token.value);
      continue;
    }

    const equals = token.value.indexOf('=');
    const optionName = (equals === -1 ? token.value.slice(2) : token.value.slice(2, equals)).toLowerCase();
    if (!isOptionName(optionName) || !spec.options.includes(optionName)) {
      const allowed = spec.options.map((o) => `--${o}`).join(', ');
      return invalid(
        `\`${name}\` has no option ${quoteForMessage(token.value.slice(0, equals === -1 ? undefined : equals))}.` +
          (allowed ? ` Options: ${allowed}.` : ` It takes no options.`),
      );
    }

    const option: OptionSpec = OPTIONS[optionName];
    if (option.flag) {
      if (equals !== -1) return invalid(`--${optionName} takes no value.`);
      args.options[optionName] = ['true'];
      continue;
    }

    let raw: string;
    if (equals !== -1) {
      raw = token.value.slice(equals + 1);
    } else {
      const next = rest[i + 1];
      if (next === undefined || (!next.quoted && next.value.startsWith('--'))) {
        return invalid(`--${optionName} needs a value, e.g. --${optionName} ${OPTIONS[optionName].placeholder}.`);
      }
      raw = next.value;
      i += 1;
    }
    // "--region eu-west-1, us-east-1": a trailing comma continues the list into the next word.
    while (raw.trimEnd().endsWith(',')) {
      const next = rest[i + 1];
      if (next === undefined || (!next.quoted && next.value.startsWith('--'))) break;
      raw += next.value;
      i += 1;
    }

    if (option.single) {
      if (args.options[optionName]) return invalid(`--${optionName} is given twice.`);
      const parsed = option.schema.safeParse(raw.trim());
      if (!parsed.success) return invalid(parsed.error.issues[0]?.message ?? `Invalid ${option.noun}.`);
      args.options[optionName] = [parsed.data];
      continue;
    }
    const values = parseList(optionName, raw);
    if (!Array.isArray(values)) return invalid(values.error);
    const merged = [...(args.options[optionName] ?? [])];
    for (const value of values) if (!merged.includes(value)) merged.push(value);
    if (merged.length > MAX_LIST_VALUES) {
      return invalid(
        `Too many ${OPTIONS[optionName].noun}s (${merged.length}); name at most ${MAX_LIST_VALUES}, ` +
          `or leave --${optionName} out to use the configured ones.`,
      );
    }
    args.options[optionName] = merged;
  }

  const { min, max, name: positionalName } = spec.positional;
  if (args.positional.length < min) {
    return invalid(`\`${name}\` needs a ${positionalName ?? 'value'}: ${spec.usage}`);
  }
  if (args.positional.length > max) {
    if (max === 0) return invalid(`\`${name}\` takes no arguments.`);
    return invalid(
      `\`${name}\` takes one ${positionalName ?? 'value'}, not ${args.positional.length}. ` +
        `Put a name with spaces in double quotes: ${name} "${args.positional.join(' ')}"`,
    );
  }
  return spec.build(args);
}

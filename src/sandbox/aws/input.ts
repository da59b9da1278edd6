// Reading untrusted request bodies: each helper names the member and the constraint it broke,
// so a wrong request fails the way AWS request validation fails instead of crashing the server.
import { validationError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJsonBody(body: string): JsonObject {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw validationError('request body is not valid JSON');
  }
  if (!isObject(parsed)) throw validationError('request body must be a JSON object');
  return parsed;
}

function tooLong(member: string, maxLength: number) {
  return validationError(`Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`);
}

export function optionalString(input: JsonObject, member: string, maxLength = Infinity): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a string`);
  if (value.length > maxLength) throw tooLong(member, maxLength);
  return value;
}

/** Some AWS limits count UTF-8 bytes, not characters: 200 × "é" is 400 bytes. */
export function withinBytes<T extends string | undefined>(value: T, member: string, maxBytes: number): T {
  if (value !== undefined && Buffer.byteLength(value, 'utf8') > maxBytes) throw tooLong(member, maxBytes);
  return value;
}

export function requiredString(input: JsonObject, member: string, maxLength = Infinity): string {
  const value = optionalString(input, member, maxLength);
  if (value === undefined || value === '') {
    throw validationError(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

export function optionalNumber(input: JsonObject, member: string): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a number`);
  }
  return value;
}

export function optionalBoolean(input: JsonObject, member: string): boolean | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a boolean`);
  return value;
}

export function optionalObject(input: JsonObject, member: string): JsonObject | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a structure`);
  return value;
}

export function requiredObject(input: JsonObject, member: string): JsonObject {
  const value = optionalObject(input, member);
  if (value === undefined) throw validationError(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  return value;
}

export function optionalStringMap(input: JsonObject, member: string): Record<string, string> | undefined {
  const value = optionalObject(input, member);
  if (value === undefined) return undefined;
  for (const v of Object.values(value)) {
    if (typeof v !== 'string') throw validationError(`Value at '${member}' failed to satisfy constraint: Map values must be strings`);
  }
  return { ...(value as Record<string, string>) };
}

export function optionalStringList(input: JsonObject, member: string): string[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw validationError(`Value at '${member}' failed to satisfy constraint: Member must be a list of strings`);
  }
  return [...(value as string[])];
}

/** Page size: absent means the service default; outside [1, max] is a validation error, as in AWS. */
export function pageSize(input: JsonObject, member: string, defaultSize: number, max: number): number {
  const value = optionalNumber(input, member);
  if (value === undefined) return defaultSize;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw validationError(
      `Value '${value}' at '${member}' failed to satisfy constraint: Member must have value between 1 and ${max}`,
    );
  }
  return value;
}

/**
 * A deep copy of request data, typed as the SDK shape it is stored as. The sandbox keeps such
 * members verbatim (after checking the parts it relies on), exactly as AWS echoes them back.
 */
export function storedAs<T>(value: unknown): T {
  return structuredClone(value) as T;
}

/**
 * Reading the item convention (`written_at`, `version`) from a raw DynamoDB item. Pure: no I/O, no logging, never a
 * throw. A value that cannot be trusted becomes "unknown", with an `issue` the caller may log.
 *
 * `written_at` is epoch milliseconds, as a Number or a numeric String. A value that only makes sense as epoch
 * seconds (a writer that used seconds) would give an age of decades: it is unknown, not old. A value in the future
 * (a writer's clock ahead) gives age 0 and reports the skew.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ITEM } from '../../src/private/handler-contract';

/** A raw DynamoDB item as GetItem returns it. */
export type ItemCopy = Record<string, AttributeValue>;

/**
 * Below this, a `written_at` cannot be epoch milliseconds of a real write (1e11 ms is March 1973, before DynamoDB
 * existed) and is almost certainly epoch seconds (1e11 s is the year 5138).
 */
export const MIN_PLAUSIBLE_WRITTEN_AT_MS = 1e11;

/** Why a `written_at` gave no age, or why its age needs a second look. */
export type WrittenAtIssue = 'missing' | 'unparsable' | 'negative' | 'epoch-seconds' | 'future';

/** What a `written_at` attribute says. */
export interface WrittenAtReading {
  /** The write time in epoch ms, when usable. */
  readonly writtenAtMs: number | undefined;
  /** `nowMs - writtenAtMs` clamped at 0, or undefined when unknown. */
  readonly ageMs: number | undefined;
  /** Set when the value is unusable, or in the future. */
  readonly issue?: WrittenAtIssue;
  /** How far in the future the value is (only with issue `future`). */
  readonly skewMs?: number;
}

function numberFrom(attribute: unknown): number | undefined | 'missing' {
  if (attribute === undefined || attribute === null) {
    return 'missing';
  }
  if (typeof attribute === 'number') {
    return Number.isFinite(attribute) ? attribute : undefined;
  }
  if (typeof attribute !== 'object') {
    return undefined;
  }
  const value = attribute as { N?: unknown; S?: unknown };
  const text = typeof value.N === 'string' ? value.N : typeof value.S === 'string' ? value.S : undefined;
  if (text === undefined || !/^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) {
    return undefined;
  }
  const parsed = Number(text);

  return Number.isFinite(parsed) ? parsed : undefined;
}

/**
 * Reads a `written_at` attribute (a DynamoDB AttributeValue, or a plain number) at `nowMs`.
 */
export function readWrittenAt(attribute: unknown, nowMs: number): WrittenAtReading {
  const value = numberFrom(attribute);
  if (value === 'missing') {
    return { writtenAtMs: undefined, ageMs: undefined, issue: 'missing' };
  }
  if (value === undefined) {
    return { writtenAtMs: undefined, ageMs: undefined, issue: 'unparsable' };
  }
  if (value < 0) {
    return { writtenAtMs: undefined, ageMs: undefined, issue: 'negative' };
  }
  if (value < MIN_PLAUSIBLE_WRITTEN_AT_MS) {
    return { writtenAtMs: undefined, ageMs: undefined, issue: 'epoch-seconds' };
  }
  if (value > nowMs) {
    return { writtenAtMs: value, ageMs: 0, issue: 'future', skewMs: value - nowMs };
  }

  return { writtenAtMs: value, ageMs: nowMs - value };
}

/** Reads the `written_at` of an item copy (absent item or attribute: unknown). */
export function writtenAtOf(item: ItemCopy | null | undefined, nowMs: number): WrittenAtReading {
  return readWrittenAt(item?.[ITEM.writtenAt], nowMs);
}

/** The `version` of an item copy: a non-negative integer, or undefined when absent or unusable. */
export function versionOf(item: ItemCopy | null | undefined): number | undefined {
  const value = numberFrom(item?.[ITEM.version]);
  if (value === 'missing' || value === undefined || !Number.isInteger(value) || value < 0) {
    return undefined;
  }

  return value;
}

/** A JSON value, as the reader returns items. */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

function base64(bytes: Uint8Array | undefined): string {
  return Buffer.from(bytes ?? new Uint8Array()).toString('base64');
}

function plainNumber(text: string): number | string {
  const value = Number(text);

  // Numbers JavaScript cannot hold exactly stay strings, so no digit is lost.
  return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value)) ? value : text;
}

/**
 * Converts one AttributeValue to plain JSON: numbers to numbers (or strings when they would lose precision),
 * binary to base64 strings, sets to arrays, NULL to null.
 */
export function toPlainValue(attribute: AttributeValue): PlainValue {
  const value = attribute as unknown as Record<string, unknown>;
  if (value.S !== undefined) return value.S as string;
  if (value.N !== undefined) return plainNumber(value.N as string);
  if (value.BOOL !== undefined) return value.BOOL as boolean;
  if (value.NULL !== undefined) return null;
  if (value.B !== undefined) return base64(value.B as Uint8Array);
  if (value.M !== undefined) return toPlainItem(value.M as ItemCopy);
  if (value.L !== undefined) return (value.L as AttributeValue[]).map(toPlainValue);
  if (value.SS !== undefined) return [...(value.SS as string[])];
  if (value.NS !== undefined) return (value.NS as string[]).map(plainNumber);
  if (value.BS !== undefined) return (value.BS as Uint8Array[]).map(base64);

  return null;
}

/** Converts a raw item to a plain JSON object. */
export function toPlainItem(item: ItemCopy): { [key: string]: PlainValue } {
  const result: { [key: string]: PlainValue } = {};
  for (const [name, attribute] of Object.entries(item)) {
    result[name] = toPlainValue(attribute);
  }

  return result;
}

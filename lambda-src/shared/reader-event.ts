/**
 * Validation of the reader's event. Pure: the result is a discriminated union, never a throw.
 *
 * Accepted shapes:
 * - `{ key: { <partition key>: value, <sort key>: value }, minWrittenAt?, minVersion? }`;
 * - the reference design's flat `{ pk, sk, minWrittenAt?, minVersion? }`, only when the table's key attributes are
 *   named `pk` (and `sk`).
 *
 * Key values follow the attribute type: S a non-empty string of at most 2048 bytes of UTF-8 for a partition key
 * (1024 for a sort key), N a finite number, B a non-empty base64 string of at most as many decoded bytes.
 * Errors name the field: the key attribute's name, `key`, `minWrittenAt`, `minVersion`, or `event`.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BASE64, type KeyAttribute, type KeySchema } from './key';

export type { KeyAttribute, KeySchema, KeyType } from './key';

/** DynamoDB's limit on a partition key value, in bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;

/** DynamoDB's limit on a sort key value, in bytes. */
export const MAX_SORT_KEY_BYTES = 1024;

/** The attribute names of the reference design's flat event. */
export const FLAT_PARTITION_KEY = 'pk';

/** The sort key name of the reference design's flat event. */
export const FLAT_SORT_KEY = 'sk';

/** A validated read request. */
export interface ReadRequest {
  /** The key as GetItem takes it. */
  readonly key: Record<string, AttributeValue>;
  readonly minWrittenAt?: number;
  readonly minVersion?: number;
}

/** The outcome of validation. */
export type ReaderEventValidation =
  | { readonly ok: true; readonly request: ReadRequest }
  | { readonly ok: false; readonly field: string; readonly message: string };

type KeyValueCheck = { ok: true; value: AttributeValue } | { ok: false; message: string };

function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }

  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function checkKeyValue(attribute: KeyAttribute, value: unknown, maxBytes: number): KeyValueCheck {
  const role = maxBytes === MAX_PARTITION_KEY_BYTES ? 'partition key' : 'sort key';
  if (value === undefined) {
    return { ok: false, message: `${role} ${attribute.name} is required` };
  }
  switch (attribute.type) {
    case 'S': {
      if (typeof value !== 'string' || value.length === 0) {
        return {
          ok: false,
          message: `${role} ${attribute.name} must be a non-empty string, got ${describeValue(value)}`,
        };
      }
      const bytes = Buffer.byteLength(value, 'utf8');
      if (bytes > maxBytes) {
        return {
          ok: false,
          message: `${role} ${attribute.name} is ${bytes} bytes of UTF-8; at most ${maxBytes} allowed`,
        };
      }

      return { ok: true, value: { S: value } };
    }
    case 'N': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return { ok: false, message: `${role} ${attribute.name} must be a finite number, got ${describeValue(value)}` };
      }

      return { ok: true, value: { N: String(value) } };
    }
    case 'B': {
      if (typeof value !== 'string' || value.length === 0 || !BASE64.test(value)) {
        return {
          ok: false,
          message: `${role} ${attribute.name} must be a non-empty base64 string, got ${describeValue(value)}`,
        };
      }
      const bytes = Buffer.from(value, 'base64');
      if (bytes.length > maxBytes) {
        return {
          ok: false,
          message: `${role} ${attribute.name} is ${bytes.length} bytes; at most ${maxBytes} allowed`,
        };
      }

      return { ok: true, value: { B: new Uint8Array(bytes) } };
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flatFormAllowed(schema: KeySchema): boolean {
  return schema.partitionKey.name === FLAT_PARTITION_KEY
    && (schema.sortKey === undefined || schema.sortKey.name === FLAT_SORT_KEY);
}

function keySource(event: Record<string, unknown>, schema: KeySchema):
  { ok: true; source: Record<string, unknown>; nested: boolean } | { ok: false; field: string; message: string } {
  if (event.key !== undefined) {
    if (!isRecord(event.key)) {
      return {
        ok: false,
        field: 'key',
        message: `key must be an object of the key attributes, got ${describeValue(event.key)}`,
      };
    }

    return { ok: true, source: event.key, nested: true };
  }
  if (flatFormAllowed(schema)) {
    return { ok: true, source: event, nested: false };
  }
  const names = [schema.partitionKey.name, schema.sortKey?.name].filter((n) => n !== undefined).join(', ');

  return { ok: false, field: 'key', message: `key is required: an object with the key attributes ${names}` };
}

function checkToken(event: Record<string, unknown>, name: 'minWrittenAt' | 'minVersion'): string | undefined {
  const value = event[name];
  if (value === undefined) {
    return undefined;
  }
  if (name === 'minWrittenAt' && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
    return `minWrittenAt must be a non-negative number of epoch milliseconds, got ${describeValue(value)}`;
  }
  if (name === 'minVersion' && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) {
    return `minVersion must be a non-negative integer, got ${describeValue(value)}`;
  }

  return undefined;
}

/** Validates a reader event against the table's key schema. */
export function validateReaderEvent(event: unknown, schema: KeySchema): ReaderEventValidation {
  if (!isRecord(event)) {
    return { ok: false, field: 'event', message: `event must be an object, got ${describeValue(event)}` };
  }
  const source = keySource(event, schema);
  if (!source.ok) {
    return source;
  }

  const key: Record<string, AttributeValue> = {};
  const attributes: [KeyAttribute, number][] = [[schema.partitionKey, MAX_PARTITION_KEY_BYTES]];
  if (schema.sortKey) {
    attributes.push([schema.sortKey, MAX_SORT_KEY_BYTES]);
  }
  for (const [attribute, maxBytes] of attributes) {
    const check = checkKeyValue(attribute, source.source[attribute.name], maxBytes);
    if (!check.ok) {
      return { ok: false, field: attribute.name, message: check.message };
    }
    key[attribute.name] = check.value;
  }
  if (source.nested) {
    const extra = Object.keys(source.source).filter((name) => !(name in key));
    if (extra.length > 0) {
      return {
        ok: false,
        field: 'key',
        message: `key holds attributes that are not the table's key: ${extra.join(', ')}`,
      };
    }
  }

  for (const name of ['minWrittenAt', 'minVersion'] as const) {
    const message = checkToken(event, name);
    if (message !== undefined) {
      return { ok: false, field: name, message };
    }
  }

  return {
    ok: true,
    request: {
      key,
      ...(event.minWrittenAt !== undefined ? { minWrittenAt: event.minWrittenAt as number } : {}),
      ...(event.minVersion !== undefined ? { minVersion: event.minVersion as number } : {}),
    },
  };
}

/**
 * The table's key as the handlers' environment describes it, and the heartbeat item's key built from it. Written
 * once for every handler that needs it (the heartbeat writes the item, the reader reads it as its watermark), so
 * both address the same item.
 *
 * Values arrive as environment strings: S as is, N as a decimal number, B as base64 (the same encoding the reader's
 * events use for Binary keys).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { oneOf, optionalString, requiredString } from './environment';
import { ConfigurationError } from './errors';

/** The type of a key attribute. */
export type KeyType = 'S' | 'N' | 'B';

/** Every key type DynamoDB allows. */
export const KEY_TYPES: readonly KeyType[] = ['S', 'N', 'B'];

/** One key attribute of the table. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

/** The table's key schema. */
export interface KeySchema {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

/** The names of the environment variables that describe the key schema (READER_ENV and HEARTBEAT_ENV both fit). */
export interface KeySchemaVariables {
  readonly partitionKey: string;
  readonly partitionKeyType: string;
  readonly sortKey: string;
  readonly sortKeyType: string;
}

/** The names of the environment variables that hold the heartbeat item's key values. */
export interface HeartbeatKeyVariables {
  readonly heartbeatPartitionValue: string;
  readonly heartbeatSortValue: string;
}

/** Canonical base64: groups of four characters of the standard alphabet, `=` padding only at the end. */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Converts the string `value` of environment variable `variable` to a key AttributeValue of `type`. Throws a
 * ConfigurationError naming the variable when the value does not fit the type.
 */
export function keyValue(type: KeyType, value: string, variable: string): AttributeValue {
  switch (type) {
    case 'S':
      return { S: value };
    case 'N':
      if (value.trim() === '' || !Number.isFinite(Number(value))) {
        throw new ConfigurationError(
          `environment variable ${variable} must be a finite number for a key of type N, got ${JSON.stringify(value)}`);
      }

      return { N: value };
    case 'B':
      if (value === '' || !BASE64.test(value)) {
        throw new ConfigurationError(
          `environment variable ${variable} must be non-empty base64 for a key of type B, `
          + `got ${JSON.stringify(value)}`);
      }

      return { B: new Uint8Array(Buffer.from(value, 'base64')) };
  }
}

/** Reads the key schema (names and types; a type defaults to S) from `env`. */
export function readKeySchema(env: NodeJS.ProcessEnv, variables: KeySchemaVariables): KeySchema {
  const partitionKey: KeyAttribute = {
    name: requiredString(env, variables.partitionKey),
    type: oneOf(env, variables.partitionKeyType, KEY_TYPES, 'S'),
  };
  const sortKeyName = optionalString(env, variables.sortKey);
  if (sortKeyName === undefined) {
    return { partitionKey };
  }

  return { partitionKey, sortKey: { name: sortKeyName, type: oneOf(env, variables.sortKeyType, KEY_TYPES, 'S') } };
}

/**
 * The heartbeat item's key for `schema`, from the partition value in `env` (or `defaultPartitionValue` when unset)
 * and, with a sort key, the sort value (or the partition value when unset).
 */
export function readHeartbeatKey(env: NodeJS.ProcessEnv, schema: KeySchema, variables: HeartbeatKeyVariables,
  defaultPartitionValue: string): Record<string, AttributeValue>;
/** The heartbeat item's key, or `undefined` when `env` gives no partition value (the heartbeat is off). */
export function readHeartbeatKey(env: NodeJS.ProcessEnv, schema: KeySchema, variables: HeartbeatKeyVariables,
  defaultPartitionValue?: string): Record<string, AttributeValue> | undefined;
export function readHeartbeatKey(env: NodeJS.ProcessEnv, schema: KeySchema, variables: HeartbeatKeyVariables,
  defaultPartitionValue?: string): Record<string, AttributeValue> | undefined {
  const partitionValue = optionalString(env, variables.heartbeatPartitionValue) ?? defaultPartitionValue;
  if (partitionValue === undefined) {
    return undefined;
  }
  const { partitionKey, sortKey } = schema;
  const key = {
    [partitionKey.name]: keyValue(partitionKey.type, partitionValue, variables.heartbeatPartitionValue),
  };
  if (sortKey !== undefined) {
    const sortValue = optionalString(env, variables.heartbeatSortValue) ?? partitionValue;
    key[sortKey.name] = keyValue(sortKey.type, sortValue, variables.heartbeatSortValue);
  }

  return key;
}

import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The routing parameter that readers of one table in one region follow: an SSM Parameter Store String in the
 * readers' region, written only by its `ReplicationRerouter`.
 */
export interface IRoutingParameter {
  /** The parameter name, starting with `/` (for example `/resilient-global-table/orders/routing`). */
  readonly parameterName: string;

  /** The exact ARN of the parameter: `arn:<partition>:ssm:<region>:<account>:parameter<parameterName>`. */
  readonly parameterArn: string;
}

/** Where a read is served from, or which region the routing sends readers to. */
export enum ReadLocation {
  /** The replica in the reader's own region. */
  REPLICA = 'replica',
  /** The primary (write) region, read with `ConsistentRead: true`. */
  PRIMARY = 'primary',
}

/** The longest fully qualified SSM parameter name. */
const ROUTING_PARAMETER_NAME_MAX_LENGTH = 1011;

/** The deepest parameter hierarchy SSM allows. */
const ROUTING_PARAMETER_MAX_DEPTH = 15;

/** Characters SSM allows in a parameter name (the hierarchy separator `/` included). */
const PARAMETER_NAME_PATTERN = /^[a-zA-Z0-9_.\-/]+$/;

/** Prefixes SSM reserves for itself (compared case-insensitively; `/awsome` is refused too). */
const RESERVED_PREFIXES = ['/aws', '/ssm'];

/** Names and ARNs of routing parameters. */
export class RoutingParameter {
  /**
   * A routing parameter by name, in the region and account of the stack that holds `scope`. Use it to give a
   * `StalenessAwareReader` the parameter of a `ReplicationRerouter` defined elsewhere in the same region.
   *
   * @param scope any construct of the stack that reads the parameter
   * @param parameterName the fully qualified name, starting with `/`
   */
  public static fromParameterName(scope: IConstruct, parameterName: string): IRoutingParameter {
    RoutingParameter.checkName('parameterName', parameterName);

    return { parameterName, parameterArn: RoutingParameter.arnOf(scope, parameterName) };
  }

  /**
   * The default name of the routing parameter of a table: `/resilient-global-table/<tableName>/routing`.
   *
   * @param tableName the physical table name
   */
  public static defaultName(tableName: string): string {
    return `/resilient-global-table/${tableName}/routing`;
  }

  /**
   * The exact ARN of a parameter in the region and account of the stack that holds `scope`.
   *
   * @param scope any construct of that stack
   * @param parameterName the fully qualified name, starting with `/`
   */
  public static arnOf(scope: IConstruct, parameterName: string): string {
    const stack = Stack.of(scope);

    return `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${parameterName}`;
  }

  /**
   * Throws unless `value` is a valid fully qualified parameter name: it starts with `/`, has at most
   * 1011 characters of a-z, A-Z, 0-9, `_`, `.`, `-` and `/`, no empty level, at most 15 levels, and does not start
   * with the reserved `/aws` or `/ssm`. An unresolved token is skipped.
   *
   * @param prop the prop name to show in the error
   * @param value the parameter name
   */
  public static checkName(prop: string, value: string): void {
    if (Token.isUnresolved(value)) {
      return;
    }
    const problem = RoutingParameter.nameProblem(value);
    if (problem) {
      throw new Error(`${prop} must be a fully qualified SSM parameter name (${problem}), `
        + `got ${JSON.stringify(value)}`);
    }
  }

  private static nameProblem(value: string): string | undefined {
    if (!value.startsWith('/')) {
      return "starting with '/'";
    }
    if (value.length > ROUTING_PARAMETER_NAME_MAX_LENGTH) {
      return `at most ${ROUTING_PARAMETER_NAME_MAX_LENGTH} characters, this one has ${value.length}`;
    }
    if (!PARAMETER_NAME_PATTERN.test(value)) {
      return "only a-z, A-Z, 0-9, '_', '.', '-' and '/'";
    }
    const levels = value.slice(1).split('/');
    if (levels.some((level) => level.length === 0)) {
      return "no empty level: no '//' and no trailing '/'";
    }
    if (levels.length > ROUTING_PARAMETER_MAX_DEPTH) {
      return `at most ${ROUTING_PARAMETER_MAX_DEPTH} levels, this one has ${levels.length}`;
    }
    const lower = value.toLowerCase();
    if (RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
      return `not starting with the reserved ${RESERVED_PREFIXES.join(' or ')}`;
    }

    return undefined;
  }

  private constructor() {}
}

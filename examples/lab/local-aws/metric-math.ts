/**
 * A small CloudWatch metric-math evaluator for the local alarms: it parses the expressions our alarms use and
 * evaluates them one period timestamp at a time. `npx jest test/local-aws/metric-math.test.ts` exercises it.
 *
 * Supported (and nothing else, so construct authors know what the local lab can evaluate):
 * - numbers (`5000`, `0.5`, `1e3`) and metric or expression ids (`m1`, `e1`; a lower-case letter first);
 * - arithmetic `+ - * /` and unary minus; a division by zero gives a missing value;
 * - comparisons `> < >= <= == !=`, each giving 1 or 0;
 * - logic `AND` / `&&`, `OR` / `||`, `NOT` / `!` (non-zero is true), giving 1 or 0;
 * - parentheses;
 * - `IF(condition, a, b)` (and `IF(condition, a)`, missing when false);
 * - `MAX([a, b, ...])` and `MIN([a, b, ...])`: the largest or smallest present value, missing when all are missing;
 * - `FILL(x, value)`: `value` where `x` is missing.
 *
 * A missing datapoint stays missing through every operator and function except FILL, MAX and MIN.
 */

/** A value at one period timestamp: a number, or `undefined` when the datapoint is missing. */
export type MathValue = number | undefined;

/** A parsed expression. */
export type MathNode =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'unary'; readonly operator: '-' | 'NOT'; readonly operand: MathNode }
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: MathNode; readonly right: MathNode }
  | { readonly kind: 'call'; readonly name: MathFunction; readonly args: readonly MathNode[] }
  | { readonly kind: 'array'; readonly items: readonly MathNode[] };

/** Binary operators, in the form the parser normalises them to. */
export type BinaryOperator = '+' | '-' | '*' | '/' | '>' | '<' | '>=' | '<=' | '==' | '!=' | 'AND' | 'OR';

/** The functions the local evaluator knows. */
export const MATH_FUNCTIONS = ['IF', 'MAX', 'MIN', 'FILL'] as const;

/** One of MATH_FUNCTIONS. */
export type MathFunction = typeof MATH_FUNCTIONS[number];

/** Thrown for an expression the local evaluator cannot parse or does not support. */
export class MetricMathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricMathError';
  }
}

interface Token {
  readonly type: 'number' | 'word' | 'op' | 'punct';
  readonly text: string;
  readonly at: number;
}

const OPERATOR_TOKENS = ['>=', '<=', '==', '!=', '&&', '||', '+', '-', '*', '/', '>', '<', '!'];
const PUNCTUATION = ['(', ')', '[', ']', ','];

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < expression.length) {
    const rest = expression.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const numberMatch = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(rest);
    if (numberMatch) {
      tokens.push({ type: 'number', text: numberMatch[0], at });
      at += numberMatch[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      tokens.push({ type: 'word', text: word[0], at });
      at += word[0].length;
      continue;
    }
    const operator = OPERATOR_TOKENS.find((candidate) => rest.startsWith(candidate));
    if (operator) {
      tokens.push({ type: 'op', text: operator, at });
      at += operator.length;
      continue;
    }
    if (PUNCTUATION.includes(rest[0])) {
      tokens.push({ type: 'punct', text: rest[0], at });
      at += 1;
      continue;
    }
    throw new MetricMathError(`Expression "${expression}": unexpected character "${rest[0]}" at ${at}; allowed are `
      + 'numbers, ids, + - * / > < >= <= == != AND OR NOT && || !, parentheses, brackets and commas');
  }

  return tokens;
}

/** A recursive-descent parser; precedence from low to high: OR, AND, NOT, comparison, + -, * /, unary minus. */
class Parser {
  private position = 0;

  constructor(private readonly expression: string, private readonly tokens: Token[]) {}

  parse(): MathNode {
    if (this.tokens.length === 0) {
      throw new MetricMathError('Expression is empty; expected a metric math expression such as "m1 * 2"');
    }
    const node = this.parseOr();
    const extra = this.peek();
    if (extra) {
      throw this.error(`unexpected "${extra.text}"`, extra);
    }

    return node;
  }

  private parseOr(): MathNode {
    let left = this.parseAnd();
    while (this.acceptOperator('OR', '||')) {
      left = { kind: 'binary', operator: 'OR', left, right: this.parseAnd() };
    }

    return left;
  }

  private parseAnd(): MathNode {
    let left = this.parseNot();
    while (this.acceptOperator('AND', '&&')) {
      left = { kind: 'binary', operator: 'AND', left, right: this.parseNot() };
    }

    return left;
  }

  private parseNot(): MathNode {
    if (this.acceptOperator('NOT', '!')) {
      return { kind: 'unary', operator: 'NOT', operand: this.parseNot() };
    }

    return this.parseComparison();
  }

  private parseComparison(): MathNode {
    let left = this.parseAdditive();
    for (;;) {
      const token = this.peek();
      if (!token || token.type !== 'op' || !['>', '<', '>=', '<=', '==', '!='].includes(token.text)) {
        return left;
      }
      this.position += 1;
      left = { kind: 'binary', operator: token.text as BinaryOperator, left, right: this.parseAdditive() };
    }
  }

  private parseAdditive(): MathNode {
    let left = this.parseMultiplicative();
    for (;;) {
      const token = this.peek();
      if (!token || token.type !== 'op' || (token.text !== '+' && token.text !== '-')) {
        return left;
      }
      this.position += 1;
      left = { kind: 'binary', operator: token.text, left, right: this.parseMultiplicative() };
    }
  }

  private parseMultiplicative(): MathNode {
    let left = this.parseUnary();
    for (;;) {
      const token = this.peek();
      if (!token || token.type !== 'op' || (token.text !== '*' && token.text !== '/')) {
        return left;
      }
      this.position += 1;
      left = { kind: 'binary', operator: token.text, left, right: this.parseUnary() };
    }
  }

  private parseUnary(): MathNode {
    if (this.acceptOperator('-')) {
      return { kind: 'unary', operator: '-', operand: this.parseUnary() };
    }

    return this.parsePrimary();
  }

  private parsePrimary(): MathNode {
    const token = this.next('a number, an id, a function or "("');
    if (token.type === 'number') {
      return { kind: 'number', value: Number(token.text) };
    }
    if (token.type === 'punct' && token.text === '(') {
      const inner = this.parseOr();
      this.expectPunct(')');

      return inner;
    }
    if (token.type === 'punct' && token.text === '[') {
      return { kind: 'array', items: this.parseList(']') };
    }
    if (token.type === 'word') {
      const following = this.peek();
      if (following && following.type === 'punct' && following.text === '(') {
        return this.parseCall(token);
      }
      if (!/^[a-z]/.test(token.text)) {
        throw this.error(`"${token.text}" is not an id (ids start with a lower-case letter) nor a function call`,
          token);
      }

      return { kind: 'id', id: token.text };
    }

    throw this.error(`unexpected "${token.text}"`, token);
  }

  private parseCall(nameToken: Token): MathNode {
    const name = nameToken.text.toUpperCase();
    if (!(MATH_FUNCTIONS as readonly string[]).includes(name)) {
      const supported = MATH_FUNCTIONS.join(', ');
      throw this.error(`function ${nameToken.text} is not supported locally; supported are ${supported}`, nameToken);
    }
    this.expectPunct('(');
    const args = this.parseList(')');
    const fn = name as MathFunction;
    if (fn === 'IF' && (args.length < 2 || args.length > 3)) {
      throw this.error(`IF takes 2 or 3 arguments, got ${args.length}`, nameToken);
    }
    if (fn === 'FILL' && args.length !== 2) {
      throw this.error(`FILL takes 2 arguments (series, number or expression), got ${args.length}`, nameToken);
    }
    if ((fn === 'MAX' || fn === 'MIN') && (args.length !== 1 || args[0].kind !== 'array')) {
      throw this.error(`${fn} takes one array argument such as ${fn}([m1, m2])`, nameToken);
    }
    for (const arg of fn === 'MAX' || fn === 'MIN' ? [] : args) {
      if (arg.kind === 'array') {
        throw this.error(`${fn} does not take an array argument`, nameToken);
      }
    }

    return { kind: 'call', name: fn, args };
  }

  private parseList(closing: string): MathNode[] {
    const items: MathNode[] = [];
    const first = this.peek();
    if (first && first.type === 'punct' && first.text === closing) {
      this.position += 1;

      return items;
    }
    for (;;) {
      items.push(this.parseOr());
      const token = this.next(`"," or "${closing}"`);
      if (token.type === 'punct' && token.text === closing) {
        return items;
      }
      if (!(token.type === 'punct' && token.text === ',')) {
        throw this.error(`expected "," or "${closing}", got "${token.text}"`, token);
      }
    }
  }

  private acceptOperator(...forms: string[]): boolean {
    const token = this.peek();
    if (!token) {
      return false;
    }
    const text = token.type === 'word' ? token.text.toUpperCase() : token.text;
    if ((token.type === 'op' || token.type === 'word') && forms.includes(text)) {
      this.position += 1;

      return true;
    }

    return false;
  }

  private expectPunct(text: string): void {
    const token = this.next(`"${text}"`);
    if (token.type !== 'punct' || token.text !== text) {
      throw this.error(`expected "${text}", got "${token.text}"`, token);
    }
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(expected: string): Token {
    const token = this.tokens[this.position];
    if (!token) {
      throw new MetricMathError(`Expression "${this.expression}": ended early; expected ${expected}`);
    }
    this.position += 1;

    return token;
  }

  private error(problem: string, token: Token): MetricMathError {
    return new MetricMathError(`Expression "${this.expression}": ${problem} at ${token.at}`);
  }
}

/** Parses a metric math expression; throws MetricMathError naming the expression and the problem. */
export function parseExpression(expression: string): MathNode {
  return new Parser(expression, tokenize(expression)).parse();
}

/** The ids an expression refers to (metric or expression ids), in first-use order. */
export function referencedIds(node: MathNode): string[] {
  const ids: string[] = [];
  const visit = (current: MathNode): void => {
    switch (current.kind) {
      case 'id':
        if (!ids.includes(current.id)) {
          ids.push(current.id);
        }
        break;
      case 'unary':
        visit(current.operand);
        break;
      case 'binary':
        visit(current.left);
        visit(current.right);
        break;
      case 'call':
        current.args.forEach(visit);
        break;
      case 'array':
        current.items.forEach(visit);
        break;
      default:
        break;
    }
  };
  visit(node);

  return ids;
}

function truth(value: number): boolean {
  return value !== 0;
}

function finite(value: number): MathValue {
  return Number.isFinite(value) ? value : undefined;
}

function applyBinary(operator: BinaryOperator, left: number, right: number): MathValue {
  switch (operator) {
    case '+': return left + right;
    case '-': return left - right;
    case '*': return finite(left * right);
    case '/': return right === 0 ? undefined : finite(left / right);
    case '>': return left > right ? 1 : 0;
    case '<': return left < right ? 1 : 0;
    case '>=': return left >= right ? 1 : 0;
    case '<=': return left <= right ? 1 : 0;
    case '==': return left === right ? 1 : 0;
    case '!=': return left !== right ? 1 : 0;
    case 'AND': return truth(left) && truth(right) ? 1 : 0;
    case 'OR': return truth(left) || truth(right) ? 1 : 0;
    default: throw new MetricMathError(`Unknown operator ${String(operator)}`);
  }
}

/**
 * Evaluates a parsed expression at one timestamp. `lookup(id)` gives the value of a metric or expression id at
 * that timestamp (`undefined` when missing); it throws for an unknown id.
 */
export function evaluateNode(node: MathNode, lookup: (id: string) => MathValue): MathValue {
  const evaluate = (current: MathNode): MathValue => evaluateNode(current, lookup);
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'id':
      return lookup(node.id);
    case 'unary': {
      const operand = evaluate(node.operand);
      if (operand === undefined) {
        return undefined;
      }

      return node.operator === '-' ? -operand : (truth(operand) ? 0 : 1);
    }
    case 'binary': {
      const left = evaluate(node.left);
      const right = evaluate(node.right);
      if (left === undefined || right === undefined) {
        return undefined;
      }

      return applyBinary(node.operator, left, right);
    }
    case 'call':
      return evaluateCall(node.name, node.args, evaluate);
    case 'array':
      throw new MetricMathError('An array [..] is only allowed as the argument of MAX or MIN');
    default:
      throw new MetricMathError('Unknown expression node');
  }
}

function evaluateCall(name: MathFunction, args: readonly MathNode[],
  evaluate: (node: MathNode) => MathValue): MathValue {
  switch (name) {
    case 'IF': {
      const condition = evaluate(args[0]);
      if (condition === undefined) {
        return undefined;
      }
      if (truth(condition)) {
        return evaluate(args[1]);
      }

      return args.length === 3 ? evaluate(args[2]) : undefined;
    }
    case 'FILL': {
      const value = evaluate(args[0]);

      return value === undefined ? evaluate(args[1]) : value;
    }
    case 'MAX':
    case 'MIN': {
      const array = args[0] as Extract<MathNode, { kind: 'array' }>;
      const present = array.items.map(evaluate).filter((value): value is number => value !== undefined);
      if (present.length === 0) {
        return undefined;
      }

      return name === 'MAX' ? Math.max(...present) : Math.min(...present);
    }
    default:
      throw new MetricMathError(`Unknown function ${String(name)}`);
  }
}

/** Parses and evaluates an expression at one timestamp with the given id values (a convenience for tests). */
export function evaluateExpression(expression: string, values: Record<string, MathValue>): MathValue {
  return evaluateNode(parseExpression(expression), (id) => {
    if (!(id in values)) {
      throw new MetricMathError(`Expression "${expression}": id "${id}" is not defined; defined are `
        + `${Object.keys(values).join(', ') || 'none'}`);
    }

    return values[id];
  });
}

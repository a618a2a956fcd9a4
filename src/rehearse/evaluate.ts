// Expression evaluation as the runner does it: template tokens from
// @actions/workflow-parser (literals, `${{ }}` expressions, mappings, sequences) to plain
// JSON with @actions/expressions, and the runner's conversions of values to strings.
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { isBasicExpression, isMapping, isSequence } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';

export type Json = unknown;

/** Evaluates a template token (literal, expression, mapping, sequence) to plain JSON. */
export function evaluate(
  token: TemplateToken | undefined,
  context: Record<string, Json>,
  statuses: string[],
): Json {
  if (token === undefined) return undefined;
  if (isBasicExpression(token)) return expression(token.expression, context, statuses);
  if (isMapping(token)) {
    const out: Record<string, Json> = {};
    for (const pair of token)
      out[stringOf(evaluate(pair.key, context, statuses))] = evaluate(
        pair.value,
        context,
        statuses,
      );
    return out;
  }
  if (isSequence(token))
    return [...Array(token.count).keys()].map((i) => evaluate(token.get(i), context, statuses));
  return (token as unknown as { value?: Json }).value ?? null;
}

/**
 * A token as plain JSON without evaluating anything: expressions stay as their
 * `${{ … }}` source. For sections read before any context exists (`on:`).
 */
export function literal(token: TemplateToken | undefined): Json {
  if (token === undefined) return undefined;
  if (isBasicExpression(token)) return `\${{ ${token.expression} }}`;
  if (isMapping(token)) {
    const out: Record<string, Json> = {};
    for (const pair of token) out[stringOf(literal(pair.key))] = literal(pair.value);
    return out;
  }
  if (isSequence(token)) return [...Array(token.count).keys()].map((i) => literal(token.get(i)));
  return (token as unknown as { value?: Json }).value ?? null;
}

/** A string that may hold `${{ }}` parts: one whole expression keeps its value's type. */
export function interpolate(text: string, context: Record<string, Json>): Json {
  const whole = /^\$\{\{(.*)\}\}$/s.exec(text.trim())?.[1];
  if (whole !== undefined && !whole.includes('}}')) return expression(whole, context);
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_, expr: string) =>
    stringOf(expression(expr, context)),
  );
}

/** A `${{ }}` expression's value in the given contexts, as the runner evaluates it. */
export function expression(
  text: string,
  context: Record<string, Json>,
  statuses: string[] = [],
): Json {
  const failed = statuses.includes('failure');
  const status = (value: boolean) => ({ call: () => new data.BooleanData(value) });
  const functions = new Map(
    Object.entries({
      success: status(!failed && !statuses.includes('skipped')),
      failure: status(failed),
      always: status(true),
      cancelled: status(false),
    }).map(([name, f]) => [name, { name, minArgs: 0, maxArgs: 0, ...f }]),
  );
  const tokens = new Lexer(text).lex().tokens;
  const parsed = new Parser(tokens, Object.keys(context), [...functions.values()]).parse();
  const contextData = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  const result = new Evaluator(parsed, contextData, functions).evaluate();
  return JSON.parse(JSON.stringify(result, data.replacer)) as Json;
}

export function truthy(value: Json): boolean {
  if (value === undefined) return true;
  return Boolean(value) && value !== 'false' && value !== 0;
}

/** How the runner turns a value into a step input or an output: strings as they are, the rest as JSON. */
export function stringOf(value: Json): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

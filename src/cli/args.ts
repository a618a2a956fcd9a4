// The command line's option parser, one for every command: Node's parseArgs for the
// tokens, and each token checked here, so a mistake is one line naming the command, the
// option and what is allowed.
import { parseArgs } from 'node:util';
import { UsageError } from '../shared/errors.js';

export interface CommandArgs {
  /** The command as errors name it: `kubemend`, `kubemend scan`. */
  command: string;
  /** Options that take a value (`--config FILE`). */
  values: readonly string[];
  /** Options that take none (`--json`). */
  flags?: readonly string[];
  /** Value options that may be given again, every value kept (`--namespace`). */
  repeatable?: readonly string[];
  /** Whether any other value option given twice is refused (else the last one counts). */
  once?: boolean;
  /** Whether the command takes arguments (FILE); false: any is refused, naming the options. */
  positionals?: boolean;
  /** Per value option, a check that throws the command's one line for a bad value, in turn. */
  check?: Readonly<Record<string, (value: string) => void>>;
}

export interface ParsedArgs {
  /** Each value option given, its last value. */
  options: Record<string, string>;
  /** Each repeatable option given, all its values in order. */
  lists: Record<string, string[]>;
  /** The flags given. */
  flags: Set<string>;
  positional: string[];
}

/**
 * Node's parser, not strict: its own errors do not name what we allow, and a strict
 * string option refuses a value starting with '-'. Each option token is checked here.
 */
export function parseCommandArgs(args: string[], spec: CommandArgs): ParsedArgs {
  const { command, values, flags = [], repeatable = [] } = spec;
  const known = [...values, ...flags];
  const allowed = known.map((k) => `--${k}`).join(', ');
  const { tokens } = parseArgs({
    args,
    options: Object.fromEntries([
      ...values.map((name) => [name, { type: 'string' }] as const),
      ...flags.map((name) => [name, { type: 'boolean' }] as const),
    ]),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const parsed: ParsedArgs = { options: {}, lists: {}, flags: new Set(), positional: [] };
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (spec.positionals === false)
        throw new UsageError(
          `${command}: takes no arguments, got ${JSON.stringify(token.value.slice(0, 40))}; allowed options: ${allowed}.`,
        );
      parsed.positional.push(token.value);
    }
    if (token.kind !== 'option') continue;
    if (!known.includes(token.name))
      throw new UsageError(
        `${command}: unknown option ${token.rawName.slice(0, 42)}; allowed: ${allowed || 'none'}.`,
      );
    if (flags.includes(token.name)) {
      if (token.value !== undefined)
        throw new UsageError(`${command}: option --${token.name} takes no value.`);
      parsed.flags.add(token.name);
      continue;
    }
    if (token.value === undefined || token.value === '')
      throw new UsageError(`${command}: option ${token.rawName} needs a value.`);
    spec.check?.[token.name]?.(token.value);
    if (repeatable.includes(token.name)) (parsed.lists[token.name] ??= []).push(token.value);
    else if (spec.once && parsed.options[token.name] !== undefined)
      throw new UsageError(`${command}: option --${token.name} is given twice; allowed: once.`);
    parsed.options[token.name] = token.value;
  }
  return parsed;
}

// GitHub's filter patterns for branches, tags and paths ("Filter pattern cheat sheet"):
// `*` any characters but `/`, `**` any characters, `?` and `+` zero-or-one and
// one-or-more of the preceding character, `[…]` one character of a set or range, `\`
// escapes the next character; in a list, a leading `!` excludes what earlier patterns
// included, and the last pattern that matches decides.

const cache = new Map<string, RegExp>();

export function patternRegExp(pattern: string): RegExp {
  let regexp = cache.get(pattern);
  if (regexp) return regexp;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && i + 1 < pattern.length) source += escape(pattern.charAt(++i));
    else if (c === '*' && pattern[i + 1] === '*') {
      i++;
      // `**/` also matches no folder at all: `**/README.md` matches README.md.
      if (pattern[i + 1] === '/') {
        i++;
        source += '(?:.*/)?';
      } else source += '.*';
    } else if (c === '*') source += '[^/]*';
    else if (c === '?' || c === '+') source += c;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`filter pattern ${pattern}: '[' has no closing ']'`);
      source += `[${pattern.slice(i + 1, end).replace(/[\\^]/g, '\\$&')}]`;
      i = end;
    } else source += escape(c);
  }
  regexp = new RegExp(`^${source}$`);
  cache.set(pattern, regexp);
  return regexp;
}

export function matchesPattern(pattern: string, value: string): boolean {
  return patternRegExp(pattern).test(value);
}

/** A list of patterns in order: `!` patterns exclude, the last match decides. */
export function matchesList(patterns: string[], value: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (matched && matchesPattern(pattern.slice(1), value)) matched = false;
    } else if (!matched && matchesPattern(pattern, value)) matched = true;
  }
  return matched;
}

const escape = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

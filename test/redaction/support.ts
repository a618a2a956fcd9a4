/** Every run of 5 characters of the value (whitespace splits it) that appears in the text. */
export function survivors(text: string, value: string): string[] {
  const found = new Set<string>();
  for (const piece of value.split(/\s+/))
    for (let i = 0; i + 5 <= piece.length; i++)
      if (text.includes(piece.slice(i, i + 5))) found.add(piece.slice(i, i + 5));
  return [...found];
}

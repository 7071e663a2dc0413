/**
 * Chain-level rules for `tailsampling`, checked when the chain is built: with the default disk
 * durability it writes the spans it holds to disk, so it must come after every `redaction` (raw,
 * unredacted data never touches disk), and two of them need distinct names (one state directory
 * each). Returns the problem, naming the entry, or `undefined`.
 */
export function tailSamplingPlacement(entries: readonly { type: string; name?: unknown; durability?: unknown }[]): string | undefined {
  const names = new Set<string>();
  let lastRedaction = -1;
  entries.forEach((e, i) => e.type === 'redaction' && (lastRedaction = i));
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.type !== 'tailsampling') continue;
    const name = typeof e.name === 'string' && e.name ? e.name : e.type;
    if (names.has(name)) return `processors[${i}].name = ${JSON.stringify(name)}: another tailsampling processor has this name; give each its own`;
    names.add(name);
    if (e.durability !== 'memory' && i < lastRedaction) {
      return `processors[${i}].type = "tailsampling": must come after processors[${lastRedaction}] (redaction), as it writes the spans it holds to disk`;
    }
  }
  return undefined;
}

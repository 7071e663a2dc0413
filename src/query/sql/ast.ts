/**
 * The tree `EXPLAIN AST` prints: one node a line, indented one space a level, `Kind detail
 * (children N)`. Names and aliases are printed raw, so a quoted alias holding a newline can print
 * lines of its own; every declared child count is checked, and a tree that does not add up is
 * refused rather than guessed at.
 */

export interface AstNode {
  /** `SelectWithUnionQuery`, `Function`, `TableIdentifier`, `Literal`, `Set`, … */
  kind: string;
  /** The rest of the line: a function or table name, a literal, ` (alias x)`. */
  detail: string;
  children: AstNode[];
}

const LINE = /^( *)([A-Za-z_]+)(.*?)(?: \(children (\d+)\))?$/;

/** Parses `EXPLAIN AST` text; `undefined` when the text is not one consistent tree. */
export function parseAst(text: string): AstNode | undefined {
  const declared = new Map<AstNode, number>();
  const stack: AstNode[] = [];
  let root: AstNode | undefined;
  for (const line of text.replace(/\n+$/, '').split('\n')) {
    const m = LINE.exec(line);
    if (!m) return undefined;
    const depth = m[1].length;
    const node: AstNode = { kind: m[2], detail: m[3].trim(), children: [] };
    declared.set(node, m[4] === undefined ? 0 : Number(m[4]));
    if (depth === 0) {
      if (root) return undefined;
      root = node;
    } else {
      if (depth > stack.length) return undefined;
      stack[depth - 1].children.push(node);
    }
    stack.length = depth;
    stack.push(node);
  }
  for (const [node, count] of declared) if (node.children.length !== count) return undefined;
  return root;
}

/** Every node of the tree, parents before children, with its parent. */
export function* walk(node: AstNode, parent?: AstNode): Generator<{ node: AstNode; parent?: AstNode }> {
  yield { node, parent };
  for (const child of node.children) yield* walk(child, node);
}

/** The name a `Function` or `TableIdentifier` line carries, without its alias. */
export function nameOf(node: AstNode): string {
  return node.detail.replace(/ \(alias [\s\S]*\)$/, '');
}

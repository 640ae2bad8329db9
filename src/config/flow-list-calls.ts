// YAML ends a plain scalar at every comma of a flow list, so the README's own
// `partitionBy: [day(ts), bucket(16, id)]` reads as "day(ts)", "bucket(16",
// "id)". What the user meant is plain from the source: an item that opens a
// parenthesis it does not close runs on to the item that closes it. Those items
// are joined back into one, with the text exactly as written between them.
import { type Document, isScalar, Scalar, visit } from 'yaml';

/** Joins the split pieces of calls like `bucket(16, id)` in every flow list of the document. */
export function rejoinFlowListCalls(document: Document, text: string): void {
  visit(document, {
    Seq(_key, seq) {
      if (!seq.flow) return;
      const items: unknown[] = [];
      for (let i = 0; i < seq.items.length; i++) {
        const end = closingItem(seq.items, i);
        if (end === i) {
          items.push(seq.items[i]);
          continue;
        }
        items.push(joined(seq.items[i] as Scalar, seq.items[end] as Scalar, text));
        i = end;
      }
      if (items.length !== seq.items.length) seq.items = items;
    },
  });
}

/** The index of the item that closes the parentheses `items[start]` opens, or `start`. */
function closingItem(items: readonly unknown[], start: number): number {
  let depth = 0;
  for (let i = start; i < items.length; i++) {
    const item = items[i];
    if (!isPlainString(item)) return start;
    depth += parenthesisBalance(item.value);
    if (depth <= 0) return i === start || depth < 0 ? start : i;
  }
  return start; // never closed: left as YAML read it, and the key's check names the piece
}

function isPlainString(item: unknown): item is Scalar<string> {
  return isScalar(item) && item.type === Scalar.PLAIN && typeof item.value === 'string' && item.range != null;
}

function parenthesisBalance(text: string): number {
  let balance = 0;
  for (const char of text) {
    if (char === '(') balance++;
    else if (char === ')') balance--;
  }
  return balance;
}

function joined(first: Scalar, last: Scalar, text: string): Scalar<string> {
  const start = first.range![0];
  const end = last.range![1];
  const scalar = new Scalar(text.slice(start, end));
  scalar.type = Scalar.PLAIN;
  scalar.range = [start, end, last.range![2]];
  return scalar;
}

// A config file read and parsed with positions, so every problem can name the
// line of the offending key.
import { readFileSync } from 'node:fs';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';
import { type ConfigProblem, formatProblem, type KeyPath } from './config-problem.ts';
import { rejoinFlowListCalls } from './flow-list-calls.ts';

export class ConfigSource {
  /** The file as named to the loader; used in messages. */
  readonly file: string;
  readonly document: Document;
  readonly #lines: LineCounter;

  constructor(file: string, text: string) {
    this.file = file;
    this.#lines = new LineCounter();
    this.document = parseDocument(text, { lineCounter: this.#lines, prettyErrors: false });
    rejoinFlowListCalls(this.document, text);
  }

  static read(file: string): ConfigSource {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : String(code);
      throw new ConfigError(`${file}: cannot read the config file: ${reason}`, { file }, { cause: error });
    }
    return new ConfigSource(file, text);
  }

  /** YAML syntax errors (unclosed quotes, bad indentation, duplicate keys), with their lines. */
  syntaxErrors(): { line: number; text: string }[] {
    return this.document.errors.map((error) => {
      const line = this.#lines.linePos(error.pos[0]).line;
      const firstLine = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      return { line, text: `${this.file}:${line}: YAML syntax error: ${firstLine}` };
    });
  }

  /** The problem as one line of text, with the line of its key when the key is in the file. */
  locate(problem: ConfigProblem): { line?: number; text: string } {
    const line = this.lineOf(problem.path);
    return line === undefined
      ? { text: formatProblem(this.file, undefined, problem) }
      : { line, text: formatProblem(this.file, line, problem) };
  }

  /**
   * The line of the key at `path` (of the list item for an index); when the path
   * does not exist in the file (a missing key), the line of its deepest existing
   * parent key; undefined at the top level.
   */
  lineOf(path: KeyPath): number | undefined {
    let node: unknown = this.document.contents;
    let offset: number | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
        if (pair === undefined) break;
        offset = startOf(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        offset = startOf(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : this.#lines.linePos(offset).line;
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function startOf(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

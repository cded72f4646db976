/**
 * A small Python highlighter for the Code tab: a single pass over the text that splits it into
 * tokens (keywords, strings with their f-string fields, comments, numbers, decorators, the names
 * `def` and `class` introduce), then HTML with one element per line, made once per text.
 * It colours; it does not parse: what it does not recognise stays plain text.
 */

export type TokenKind =
  | "keyword"
  | "builtin"
  | "string"
  /** the braces around an f-string's field; the expression between them is code */
  | "field"
  | "comment"
  /** a `# --- path/to/file.py ---` line: where an inlined module begins */
  | "banner"
  | "number"
  | "decorator"
  /** the name after `def` */
  | "function"
  /** the name after `class` */
  | "class";

export interface Token {
  kind: TokenKind | null;
  text: string;
}

const KEYWORDS = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except " +
    "finally for from global if import in is lambda nonlocal not or pass raise return try while " +
    "with yield"
  ).split(" "),
);

const BUILTINS = new Set(
  (
    "abs all any bool bytearray bytes callable chr classmethod dict dir divmod enumerate filter " +
    "float format frozenset getattr hasattr hash hex id input int isinstance issubclass iter len " +
    "list map max min next object open ord pow print property range repr reversed round set " +
    "setattr slice sorted staticmethod str sum super tuple type vars zip self cls " +
    "BaseException Exception ArithmeticError AssertionError AttributeError FileNotFoundError " +
    "ImportError IndexError KeyError KeyboardInterrupt LookupError NotImplementedError OSError " +
    "RuntimeError StopIteration TypeError ValueError ZeroDivisionError NotImplemented Ellipsis"
  ).split(" "),
);

/** A comment line that names the module after it, as the API's bundles write them. */
export const BANNER = /^# --- (.+?) -*$/;

// r, b, u, f (and t, Python 3.14) and their two-letter mixes
const STRING_PREFIX = /^(?:[rRbBuUfFtT]|[rR][bBfFtT]|[bBfFtT][rR])$/;
const IDENTIFIER = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const NUMBER =
  /(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)/y;
const DECORATOR = /@[\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*/uy;

/** The tokens of a Python text; their texts, joined, are the text. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const push = (kind: TokenKind | null, text: string) => {
    if (!text) return;
    const last = tokens[tokens.length - 1];
    if (last && last.kind === kind) last.text += text;
    else tokens.push({ kind, text });
  };
  scan(source, push);
  return tokens;
}

type Push = (kind: TokenKind | null, text: string) => void;

function scan(source: string, push: Push): void {
  const n = source.length;
  let i = 0;
  let lineStart = true; // only blanks since the last line break
  let named: "function" | "class" | null = null; // what the next name is after def/class
  let afterDot = false; // the previous significant character was "." (an attribute follows)
  while (i < n) {
    const c = source[i];
    if (c === "\n") {
      push(null, c);
      i++;
      lineStart = true;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f") {
      push(null, c);
      i++;
      continue;
    }
    const atLineStart = lineStart;
    lineStart = false;
    if (c === "#") {
      const end = lineEnd(source, i);
      const text = source.slice(i, end);
      push(columnOf(source, i) === 0 && BANNER.test(text) ? "banner" : "comment", text);
      i = end;
      continue;
    }
    if (c === '"' || c === "'") {
      i = string(source, i, 0, push);
      named = null;
      afterDot = false;
      continue;
    }
    if (c === "@" && atLineStart) {
      DECORATOR.lastIndex = i;
      const match = DECORATOR.exec(source);
      if (match) {
        push("decorator", match[0]);
        i += match[0].length;
        continue;
      }
    }
    IDENTIFIER.lastIndex = i;
    const word = IDENTIFIER.exec(source)?.[0];
    if (word) {
      const next = source[i + word.length];
      if ((next === '"' || next === "'") && STRING_PREFIX.test(word)) {
        i = string(source, i, word.length, push);
        named = null;
        afterDot = false;
        continue;
      }
      if (named) push(named, word);
      else if (KEYWORDS.has(word) && !afterDot) push("keyword", word);
      else if (BUILTINS.has(word) && !afterDot) push("builtin", word);
      else push(null, word);
      named = word === "def" ? "function" : word === "class" ? "class" : null;
      afterDot = false;
      i += word.length;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(source[i + 1] ?? ""))) {
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(source)![0];
      push("number", number);
      i += number.length;
      named = null;
      afterDot = false;
      continue;
    }
    push(null, c);
    named = null;
    afterDot = c === ".";
    i++;
  }
}

function lineEnd(source: string, from: number): number {
  const end = source.indexOf("\n", from);
  return end === -1 ? source.length : end;
}

function columnOf(source: string, at: number): number {
  return at - (source.lastIndexOf("\n", at - 1) + 1);
}

/**
 * The string literal at `start` (after a prefix of `prefixLength` letters); returns where it
 * ends. An unclosed one-line string ends at its line's end, an unclosed triple-quoted one at the
 * text's. An f-string's fields are tokenized as code between `field` braces.
 */
function string(source: string, start: number, prefixLength: number, push: Push): number {
  const prefix = source.slice(start, start + prefixLength).toLowerCase();
  const formatted = prefix.includes("f") || prefix.includes("t");
  const quote = source[start + prefixLength];
  const triple = source.startsWith(quote.repeat(3), start + prefixLength);
  const close = triple ? quote.repeat(3) : quote;
  let i = start + prefixLength + close.length;
  let from = start; // the start of the string's text not pushed yet
  while (i < source.length) {
    const c = source[i];
    if (c === "\\") {
      // an escape; in an f-string, a brace after a backslash still opens a field
      i += formatted && (source[i + 1] === "{" || source[i + 1] === "}") ? 1 : 2;
      continue;
    }
    if (source.startsWith(close, i)) {
      i += close.length;
      break;
    }
    if (c === "\n" && !triple) break;
    if (formatted && c === "{") {
      if (source[i + 1] === "{") {
        i += 2;
        continue;
      }
      const field = fieldAt(source, i, close, triple);
      if (field) {
        push("string", source.slice(from, i));
        push("field", "{");
        scan(source.slice(i + 1, field.specStart), push);
        push("string", source.slice(field.specStart, field.end));
        push("field", "}");
        i = field.end + 1;
        from = i;
        continue;
      }
    }
    i++;
  }
  push("string", source.slice(from, Math.min(i, source.length)));
  return Math.min(i, source.length);
}

/**
 * The f-string field whose `{` is at `open`: where its format spec (or conversion) starts and
 * where its closing `}` is; null when it does not close inside the string.
 */
function fieldAt(
  source: string,
  open: number,
  close: string,
  triple: boolean,
): { specStart: number; end: number } | null {
  let depth = 0;
  let specStart = -1;
  let i = open + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === "\n" && !triple) return null;
    if (specStart !== -1 && source.startsWith(close, i)) return null; // the string ends first
    if ((c === '"' || c === "'") && specStart === -1) {
      // a string inside the expression (one quoted like the f-string itself: Python 3.12)
      const nested = nestedStringEnd(source, i, triple);
      if (nested === -1) return null;
      i = nested;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]") depth = Math.max(0, depth - 1);
    else if (c === "}") {
      if (depth === 0) return { specStart: specStart === -1 ? i : specStart, end: i };
      depth--;
    } else if (depth === 0 && specStart === -1) {
      if (c === ":" || (c === "!" && source[i + 1] !== "=")) specStart = i;
    }
    i++;
  }
  return null;
}

/** Where the short string quoted at `at` inside a field ends (after its quote); -1: it does not. */
function nestedStringEnd(source: string, at: number, multiline: boolean): number {
  const quote = source[at];
  let i = at + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === "\\") i += 2;
    else if (c === quote) return i + 1;
    else if (c === "\n" && !multiline) return -1;
    else i++;
  }
  return -1;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c]);
}

/**
 * The tokens as HTML: one `<span class="line">` per line (their order is the line numbers'),
 * joined by line breaks, each token a `<span class="tok-KIND">`, every text escaped.
 */
export function toHtml(tokens: Token[]): string {
  const out: string[] = ['<span class="line">'];
  for (const { kind, text } of tokens) {
    const pieces = text.split("\n");
    pieces.forEach((piece, index) => {
      if (index > 0) out.push('</span>\n<span class="line">');
      if (!piece) return;
      out.push(kind ? `<span class="tok-${kind}">${escapeHtml(piece)}</span>` : escapeHtml(piece));
    });
  }
  out.push("</span>");
  return out.join("");
}

/** A Python text as highlighted HTML (`toHtml` of its tokens). */
export function highlight(source: string): string {
  return toHtml(tokenize(source));
}

export interface OutlineEntry {
  /** what the banner names: a module's path ("workers/kit/views.py") or a part ("this run") */
  title: string;
  /** the banner's line, counted from 0 */
  line: number;
}

/** The modules of a bundled text, from its banner lines, in order. */
export function outline(source: string): OutlineEntry[] {
  const entries: OutlineEntry[] = [];
  source.split("\n").forEach((text, line) => {
    const match = BANNER.exec(text.trimEnd());
    if (match) entries.push({ title: match[1], line });
  });
  return entries;
}

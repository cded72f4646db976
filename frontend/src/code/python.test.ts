import { describe, expect, it } from "vitest";
import { type Token, escapeHtml, highlight, outline, tokenize } from "./python";

/** The tokens that are coloured, as [kind, text]. */
const coloured = (source: string) =>
  tokenize(source)
    .filter((token): token is Token & { kind: string } => token.kind !== null)
    .map(({ kind, text }) => [kind, text]);

describe("tokenize", () => {
  it("gives back the whole text, token by token", () => {
    const source = 'import torch\n\n@dataclass\nclass A(B):\n    x: int = 0x1F  # hex\n    s = f"{x!r:>4}"\n';
    expect(
      tokenize(source)
        .map((token) => token.text)
        .join(""),
    ).toBe(source);
  });

  it("colours keywords, builtins, and the names def and class introduce", () => {
    expect(coloured("def train(steps):\n    return len(steps) if steps else None")).toEqual([
      ["keyword", "def"],
      ["function", "train"],
      ["keyword", "return"],
      ["builtin", "len"],
      ["keyword", "if"],
      ["keyword", "else"],
      ["keyword", "None"],
    ]);
    expect(coloured("class Model(nn.Module):\n    pass")).toEqual([
      ["keyword", "class"],
      ["class", "Model"],
      ["keyword", "pass"],
    ]);
  });

  it("leaves attributes and names that only contain a keyword alone", () => {
    expect(coloured("spec.type = classes + format_ + not_in + Import")).toEqual([]);
  });

  it("reads strings with their prefixes and escapes, and stops an unclosed one at the line end", () => {
    expect(coloured(`a = 'it\\'s' + "x" + rb"\\d" + b''`)).toEqual([
      ["string", `'it\\'s'`],
      ["string", `"x"`],
      ["string", `rb"\\d"`],
      ["string", `b''`],
    ]);
    expect(coloured('s = "open\nif x')).toEqual([
      ["string", '"open'],
      ["keyword", "if"],
    ]);
  });

  it("reads triple-quoted strings across lines, quotes and # inside them", () => {
    const source = 'def f():\n    """A "doc" string\n    # not a comment\n    """\n    return 1';
    expect(coloured(source)).toEqual([
      ["keyword", "def"],
      ["function", "f"],
      ["string", '"""A "doc" string\n    # not a comment\n    """'],
      ["keyword", "return"],
      ["number", "1"],
    ]);
    expect(coloured("x = '''never closed\nif")).toEqual([["string", "'''never closed\nif"]]);
  });

  it("tokenizes an f-string's fields as code, and keeps {{ }} and the format spec in the string", () => {
    expect(coloured('f"{{step}} {len(xs) + 1:>{width}} {name!r}"')).toEqual([
      ["string", 'f"{{step}} '],
      ["field", "{"],
      ["builtin", "len"],
      ["number", "1"],
      ["string", ":>{width}"],
      ["field", "}"],
      ["string", " "],
      ["field", "{"],
      ["string", "!r"],
      ["field", "}"],
      ["string", '"'],
    ]);
    // a dict lookup with quotes inside the field, and a comparison that is not a conversion
    expect(coloured(`F'{d["k"] != None}'`)).toEqual([
      ["string", "F'"],
      ["field", "{"],
      ["string", '"k"'],
      ["keyword", "None"],
      ["field", "}"],
      ["string", "'"],
    ]);
    // triple-quoted f-strings span lines; a brace that never closes is text
    expect(coloured('f"""a\n{x}\n"""')).toEqual([
      ["string", 'f"""a\n'],
      ["field", "{"],
      ["field", "}"],
      ["string", '\n"""'],
    ]);
    expect(coloured('f"{oops"')).toEqual([["string", 'f"{oops"']]);
  });

  it("colours numbers of every notation, not digits inside names", () => {
    expect(coloured("x1 = [1, 2.5, .5, 1e-3, 1_000, 0xFF, 0b10, 0o7, 3j, 4.]")).toEqual(
      ["1", "2.5", ".5", "1e-3", "1_000", "0xFF", "0b10", "0o7", "3j", "4."].map((n) => ["number", n]),
    );
  });

  it("colours comments, decorators at a line's start, and not the matrix product", () => {
    expect(coloured("@torch.no_grad()\ndef step():  # one step\n    return a @ b")).toEqual([
      ["decorator", "@torch.no_grad"],
      ["keyword", "def"],
      ["function", "step"],
      ["comment", "# one step"],
      ["keyword", "return"],
    ]);
    expect(coloured("    @property\n")).toEqual([["decorator", "@property"]]);
  });

  it("tells a module's banner from a comment", () => {
    const source = "# --- core/params.py -----\n\n# a comment\n    # --- indented ---";
    expect(coloured(source)).toEqual([
      ["banner", "# --- core/params.py -----"],
      ["comment", "# a comment"],
      ["comment", "# --- indented ---"],
    ]);
  });

  it("takes a long text in one quick pass", () => {
    const module = 'def f(x):\n    """Doc."""\n    return f"{x:.3f}" + str(0.5)  # note\n';
    const source = module.repeat(2500);
    const started = performance.now();
    const tokens = tokenize(source);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(tokens.map((t) => t.text).join("")).toBe(source);
  });
});

describe("highlight", () => {
  it("writes one line element per line, each token in a span, the text escaped", () => {
    expect(highlight('if a < b:\n    s = "<b>&"')).toBe(
      '<span class="line"><span class="tok-keyword">if</span> a &lt; b:</span>\n' +
        '<span class="line">    s = <span class="tok-string">&quot;&lt;b&gt;&amp;&quot;</span></span>',
    );
  });

  it("splits a string across lines into one span per line", () => {
    expect(highlight('"""a\n\nb"""')).toBe(
      '<span class="line"><span class="tok-string">&quot;&quot;&quot;a</span></span>\n' +
        '<span class="line"></span>\n' +
        '<span class="line"><span class="tok-string">b&quot;&quot;&quot;</span></span>',
    );
  });

  it("has as many lines as the text", () => {
    const source = "a\n\nb\n";
    expect(highlight(source).match(/class="line"/g)).toHaveLength(source.split("\n").length);
  });

  it("escapes what HTML would read", () => {
    expect(escapeHtml(`<script>"&'`)).toBe("&lt;script&gt;&quot;&amp;'");
  });
});

describe("outline", () => {
  it("lists the banners' modules with their lines", () => {
    const source = [
      '"""Doc."""',
      "import torch",
      "# --- core/params.py ---------",
      "x = 1",
      "# --- workers/demos/edge_kernel/train.py ---",
      "# --- this run ---",
      "#--- not a banner ---",
    ].join("\n");
    expect(outline(source)).toEqual([
      { title: "core/params.py", line: 2 },
      { title: "workers/demos/edge_kernel/train.py", line: 4 },
      { title: "this run", line: 5 },
    ]);
  });

  it("is empty for code without banners", () => {
    expect(outline("print(1)\n")).toEqual([]);
  });
});

import { createHash } from "node:crypto";
import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Diagnostic, Location } from "../diagnostics/diagnostic.js";
import { firstInvalidUtf8 } from "../text/utf8.js";

/** A description is a few kilobytes; anything past this is a mistake or an attack, refused before parsing. */
export const MAX_DESCRIPTION_BYTES = 2 * 1024 * 1024;
/** Anchors are handy for sharing a block; thousands of expansions only serve a "billion laughs". */
export const MAX_ALIAS_EXPANSIONS = 100;

/** Far beyond any real description, far below what the parser's recursion survives. */
export const MAX_NESTING = 64;
const MAX_SYNTAX_ERRORS = 10;

export type Path = readonly (string | number)[];

export interface YamlSource {
  file: string;
  sha256: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
  value: unknown;
}

export type ParseResult = { ok: true; source: YamlSource } | { ok: false; diagnostics: Diagnostic[] };

const fail = (file: string, line: number, col: number, code: string, message: string, hint?: string): ParseResult => ({
  ok: false,
  diagnostics: [{ file, line, col, severity: "error", code, message, ...(hint ? { hint } : {}) }],
});

export function parseYamlSource(file: string, bytes: Uint8Array): ParseResult {
  if (bytes.byteLength > MAX_DESCRIPTION_BYTES) {
    return fail(
      file,
      1,
      1,
      "too-large",
      `file is ${(bytes.byteLength / 1024 / 1024).toFixed(1)} MiB; a description may be at most ${MAX_DESCRIPTION_BYTES / 1024 / 1024} MiB`,
      "split generated content out, or check that the right file was given",
    );
  }
  const text = decodeUtf8(bytes);
  if (typeof text !== "string") {
    const at = lineColOfByte(bytes, text.offset);
    return fail(
      file,
      at.line,
      at.col,
      "not-utf8",
      `invalid UTF-8 byte 0x${text.byte.toString(16).padStart(2, "0")} at byte ${text.offset}`,
      "save the file as UTF-8",
    );
  }
  const deep = tooDeep(text);
  if (deep !== undefined) {
    const at = lineColOfText(text, deep);
    return fail(
      file,
      at.line,
      at.col,
      "too-deep",
      `collections nest deeper than ${MAX_NESTING} levels here`,
      "a description needs a handful of levels; check for a runaway generator",
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version: "1.2" });
  // One real mistake can cascade into hundreds of follow-on errors; the first few locate it.
  const problems = document.errors
    .filter((e, i, all) => all.findIndex((o) => o.pos[0] === e.pos[0] && o.message === e.message) === i)
    .slice(0, MAX_SYNTAX_ERRORS);
  if (problems.length > 0) {
    return {
      ok: false,
      diagnostics: problems.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          col: pos.col,
          severity: "error" as const,
          code: e.code === "DUPLICATE_KEY" ? "duplicate-key" : "yaml-syntax",
          message: yamlMessage(e.code, e.message, keyAt(text, e.pos[0])),
        };
      }),
    };
  }
  if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) {
    return fail(file, 1, 1, "empty", "the description is empty; expected a mapping that starts with `tracegen: 1`");
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/alias/i.test(message)) {
      const alias = firstAlias(document);
      const at = alias ? lineCounter.linePos(alias) : { line: 1, col: 1 };
      return fail(
        file,
        at.line,
        at.col,
        "alias-bomb",
        `aliases expand beyond ${MAX_ALIAS_EXPANSIONS} nodes; refusing a possible alias bomb`,
        "write the repeated blocks out instead of nesting aliases",
      );
    }
    return fail(file, 1, 1, "yaml-syntax", message);
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { ok: true, source: { file, sha256, document, lineCounter, value } };
}

/** The key that starts at an offset: up to the `:` that ends it, without quotes. */
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset, text.indexOf("\n", offset) === -1 ? undefined : text.indexOf("\n", offset));
  const quoted = /^(["'])(.*?)\1/.exec(rest);
  if (quoted) return quoted[2] ?? "";
  return (/^[^:#]*/.exec(rest)?.[0] ?? rest).trim();
}

function yamlMessage(code: string, message: string, found: string): string {
  const firstLine = message.split("\n")[0] ?? message;
  if (code === "DUPLICATE_KEY") {
    return `duplicate key \`${found.trim()}\`: it already appears in the same mapping; expected each key once`;
  }
  return `malformed YAML: ${firstLine.replace(/ at line \d+, column \d+.*$/, "")}`;
}

/**
 * Offset of the first flow or block collection nested past MAX_NESTING, judged from brackets
 * outside quotes and comments and from indentation, before the parser recurses into it.
 */
function tooDeep(text: string): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      comment = false;
      const indent = /^ */.exec(text.slice(i + 1, i + 1 + 4 * MAX_NESTING + 2))?.[0].length ?? 0;
      if (indent > 2 * MAX_NESTING) return i + 1 + indent;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "#" && (i === 0 || /\s/.test(text[i - 1] ?? ""))) comment = true;
    else if (c === '"' || c === "'") quote = c;
    else if (c === "[" || c === "{") {
      if (++depth > MAX_NESTING) return i;
    } else if (c === "]" || c === "}") depth = Math.max(0, depth - 1);
  }
  return undefined;
}

function lineColOfText(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

function decodeUtf8(bytes: Uint8Array): string | { offset: number; byte: number } {
  const offset = firstInvalidUtf8(bytes);
  if (offset !== undefined) return { offset, byte: bytes[offset]! };
  return new TextDecoder("utf-8", { ignoreBOM: false }).decode(bytes);
}

function lineColOfByte(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

function firstAlias(document: Document.Parsed): number | undefined {
  let found: number | undefined;
  const visit = (node: unknown): void => {
    if (found !== undefined || node === null || typeof node !== "object") return;
    if (isAlias(node)) {
      found = node.range?.[0];
      return;
    }
    if (isMap(node) || isSeq(node)) for (const item of node.items) visit(item);
    if (isPair(node)) {
      visit(node.key);
      visit(node.value);
    }
  };
  visit(document.contents);
  return found;
}

/**
 * Where a path points in the source: at the key when `at` is "key" (unknown keys,
 * duplicates), at the value otherwise. Walks as deep as the path exists, so a missing
 * key is reported at the mapping that should hold it.
 */
export function locate(source: YamlSource, path: Path, at: "key" | "value" = "value"): Location {
  let node: unknown = source.document.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const last = i === path.length - 1;
      offset = (last && at === "key" ? rangeStart(pair.key) : rangeStart(pair.value ?? pair.key)) ?? offset;
      if (last && at === "value" && pair.value === null) offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const pos = source.lineCounter.linePos(offset);
  return { file: source.file, line: pos.line, col: pos.col };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

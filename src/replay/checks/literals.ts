import type { ScrubKind } from "../../masking/scrub-kinds.js";

/*
 * Finds a literal that scrubbing should have replaced by "?". An independent reading of
 * what "scrubbed" means, not a second scrubber: after scrubbing, a URL's query and
 * name=value fragment hold only "?" values and its userinfo no password; SQL holds no
 * quoted string, no dollar-quoted string and no number that is not part of a name. A key
 * of kind `auto` is read by the value's shape: a URL, a path or a query string as a URL,
 * anything else as SQL.
 */

export function unscrubbedLiteral(kind: ScrubKind, value: string): string | undefined {
  switch (kind) {
    case "query":
      return paramLiteral(value);
    case "url":
      return urlLiteral(value);
    case "sql":
      return sqlLiteral(value);
    case "auto":
      return looksLikeUrl(value) ? urlLiteral(value) : isQueryString(value) ? paramLiteral(value) : sqlLiteral(value);
  }
}

const looksLikeUrl = (v: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(v) || v.startsWith("/");
const isQueryString = (v: string): boolean => /^[^\s=&?]+=[^\s&]*(?:[&;][^\s=&]+=[^\s&]*)*$/.test(v);

function paramLiteral(query: string): string | undefined {
  for (const part of query.split(/[&;]/)) {
    const eq = part.indexOf("=");
    if (eq >= 0 && part.slice(eq + 1) !== "?") return part.slice(eq + 1);
  }
  return undefined;
}

function urlLiteral(url: string): string | undefined {
  const hash = url.indexOf("#");
  const fragment = hash >= 0 ? url.slice(hash + 1) : "";
  const beforeHash = hash >= 0 ? url.slice(0, hash) : url;
  const q = beforeHash.indexOf("?");
  const query = q >= 0 ? beforeHash.slice(q + 1) : "";
  const base = q >= 0 ? beforeHash.slice(0, q) : beforeHash;
  const userinfo = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/@]*)@/.exec(base)?.[1];
  const password = userinfo?.includes(":") ? userinfo.slice(userinfo.indexOf(":") + 1) : undefined;
  if (password !== undefined && password !== "?") return password;
  return paramLiteral(query) ?? (fragment.includes("=") ? paramLiteral(fragment) : undefined);
}

const isIdentPart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

function sqlLiteral(sql: string): string | undefined {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '"' || c === "`") {
      const end = sql.indexOf(c, i + 1);
      i = end < 0 ? sql.length : end + 1;
      continue;
    }
    if (c === "'") return sql.slice(i, Math.min(sql.length, sql.indexOf("'", i + 1) + 1 || sql.length));
    if (c === "$") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) return sql.slice(i, i + 20);
      i++;
      while (i < sql.length && /[0-9]/.test(sql[i]!)) i++; // $1 is a parameter, not a literal
      continue;
    }
    if (isIdentPart(c) && !/[0-9]/.test(c)) {
      while (i < sql.length && isIdentPart(sql[i])) i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?)/.exec(sql.slice(i))!;
      const after = i + m[0].length;
      if (isIdentPart(sql[after])) {
        i = after;
        while (i < sql.length && isIdentPart(sql[i])) i++;
        continue;
      }
      return m[0];
    }
    i++;
  }
  return undefined;
}

import { compareText } from "../text/collate.js";

/** A finding about an input, as plain data; rendering happens only at the edge (CLI text, JSON, JUnit). */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  severity: "error" | "warning";
  code: string;
  message: string;
  hint?: string;
}

export type Location = Pick<Diagnostic, "file" | "line" | "col">;

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean =>
  diagnostics.some((d) => d.severity === "error");

export const byPosition = (a: Diagnostic, b: Diagnostic): number =>
  compareText(a.file, b.file) || a.line - b.line || a.col - b.col || compareText(a.code, b.code);

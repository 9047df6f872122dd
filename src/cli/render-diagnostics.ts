import pc from "picocolors";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

export type Format = "text" | "json";

export function renderDiagnostics(diagnostics: readonly Diagnostic[], format: Format, color: boolean): string {
  if (format === "json") return `${JSON.stringify(diagnostics, null, 2)}\n`;
  const c = pc.createColors(color);
  return diagnostics
    .map((d) => {
      const label = d.severity === "error" ? c.red(c.bold("error")) : c.yellow(c.bold("warning"));
      const head = `${c.bold(`${d.file}:${d.line}:${d.col}`)}: ${label}[${d.code}]: ${d.message}`;
      return d.hint ? `${head}\n    ${c.cyan("hint")}: ${d.hint}` : head;
    })
    .map((line) => `${line}\n`)
    .join("");
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  return `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
}

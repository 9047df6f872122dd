import { context, createContextKey, type Context } from "@opentelemetry/api";
import type { PgInstrumentationConfig } from "@opentelemetry/instrumentation-pg";

/*
 * The pg instrumentation records the statement text (with $1 placeholders) but not the table: the
 * driver does not know it, and parsing SQL for it is unreliable. The code that issues a query does
 * know, so it says so with `onTable`, and the request hook copies it onto the query span.
 *
 * Parameter values are never recorded (enhancedDatabaseReporting stays off): they are where the
 * personal data is.
 */

const TABLE = createContextKey("tracegen.kit.db.table");

export interface TableFacts {
  /** db.collection.name */
  table: string;
  /** db.operation.name: SELECT, INSERT, UPDATE, DELETE... */
  operation: string;
}

export function onTable<T>(facts: TableFacts, fn: () => T): T {
  return context.with(context.active().setValue(TABLE, facts), fn);
}

const tableFacts = (ctx: Context): TableFacts | undefined => ctx.getValue(TABLE) as TableFacts | undefined;

export const pgConfig: PgInstrumentationConfig = {
  enhancedDatabaseReporting: false,
  // Pollers (the MES worker looking for jobs) query outside any request: those queries are not traced.
  requireParentSpan: true,
  ignoreConnectSpans: true,
  requestHook(span) {
    const facts = tableFacts(context.active());
    if (facts === undefined) return;
    span.setAttributes({ "db.collection.name": facts.table, "db.operation.name": facts.operation });
  },
};

-- Production jobs: queued by the MES API when an order is confirmed, run by the MES.
-- trace_context keeps the W3C trace context and baggage of the confirmation, so the execution trace
-- links back to it and inherits its baggage.
CREATE TABLE jobs (
  id            bigserial PRIMARY KEY,
  order_id      text NOT NULL UNIQUE,
  customer_id   text NOT NULL,
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'notify_failed')),
  trace_context jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz
);
CREATE INDEX jobs_queued ON jobs (id) WHERE status = 'queued';

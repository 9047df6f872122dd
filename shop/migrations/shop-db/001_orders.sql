-- The shop's view of an order once the CRM knows it: quoted by the MES, confirmed, produced.
-- Personal data stays out of this table: the customer is an id; names and addresses live in the CRM.
CREATE TABLE orders (
  order_id     text PRIMARY KEY,
  customer_id  text NOT NULL,
  status       text NOT NULL CHECK (status IN ('quoted', 'confirmed', 'produced')),
  price_cents  integer CHECK (price_cents >= 0),
  currency     text,
  quoted_at    timestamptz,
  confirmed_at timestamptz,
  produced_at  timestamptz
);

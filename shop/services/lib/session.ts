/*
 * Who is uploading. A real shop verifies a signed session token issued at login; the reference shop
 * has no login, so the session cookie simply carries the customer (base64url JSON) and the store
 * page hands out a demo customer's. The services treat it as the personal data it is: the e-mail and
 * name go on the request span only as user.email and user.full_name, which masking removes.
 */

export interface Customer {
  id: string;
  email: string;
  name: string;
}

export const SESSION_COOKIE = "shop_session";

export const DEMO_CUSTOMER: Customer = { id: "cust-0042", email: "ada.lovelace@example.com", name: "Ada Lovelace" };

/** Where the demo customer's requests come from, as the shop's load balancer reports it (RFC 5737 documentation range). */
export const DEMO_CUSTOMER_ADDRESS = "203.0.113.42";

export const sessionCookieValue = (customer: Customer): string =>
  Buffer.from(JSON.stringify(customer), "utf8").toString("base64url");

export function customerFromCookies(header: string | undefined): Customer | undefined {
  const value = (header ?? "")
    .split(";")
    .map((part) => part.trim().split("="))
    .find(([name]) => name === SESSION_COOKIE)?.[1];
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as Partial<Customer>;
    return typeof parsed.id === "string" && typeof parsed.email === "string" && typeof parsed.name === "string"
      ? { id: parsed.id, email: parsed.email, name: parsed.name }
      : undefined;
  } catch {
    return undefined;
  }
}

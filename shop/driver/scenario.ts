import { FAULTS, type Fault } from "../services/lib/faults.js";
import { DEMO_CUSTOMER, DEMO_CUSTOMER_ADDRESS, type Customer } from "../services/lib/session.js";
import { confirmOrder, Refused, stlModel, uploadOrder, waitForStatus } from "./orders.js";

/*
 * The orders `npm run shop` and the end-to-end test put through the shop: one that goes all the way,
 * and one per injected fault, each fault in the flow where it belongs.
 */

export interface ScenarioOrder {
  label: string;
  orderId: string;
  customer: Customer;
  fault?: Fault;
  /** What happened, in the driver's words. */
  outcome: string;
}

export interface Endpoints {
  shopApi: string;
  mesApi: string;
  shopDbUrl: string;
}

export async function runScenario(
  endpoints: Endpoints,
  log: (line: string) => void = () => undefined,
): Promise<ScenarioOrder[]> {
  const customer = DEMO_CUSTOMER;
  const flows = [
    fullOrder(endpoints, customer, "an order that goes all the way", undefined),
    costingFails(endpoints, customer),
    fullOrder(endpoints, customer, "a confirmation nobody receives", FAULTS.neverConsumed),
    fullOrder(endpoints, customer, "a slow print on the MES", FAULTS.slowMes),
  ];
  const orders = await Promise.all(flows);
  for (const o of orders) log(`${o.orderId}  ${o.label}: ${o.outcome}`);
  return orders;
}

async function fullOrder(
  e: Endpoints,
  customer: Customer,
  label: string,
  fault: Fault | undefined,
): Promise<ScenarioOrder> {
  const { orderId } = await uploadOrder(e.shopApi, {
    fileName: "bracket.stl",
    content: stlModel(200),
    customer,
    customerAddress: DEMO_CUSTOMER_ADDRESS,
  });
  await waitForStatus(e.shopDbUrl, orderId, "quoted");
  try {
    await confirmOrder(e.mesApi, orderId, customer.id, fault);
  } catch (error) {
    if (error instanceof Refused && fault === FAULTS.neverConsumed)
      return { label, orderId, customer, fault, outcome: `confirmation refused (${error.status}): ${error.message}` };
    throw error;
  }
  await waitForStatus(e.shopDbUrl, orderId, "produced");
  return { label, orderId, customer, ...(fault && { fault }), outcome: "quoted, confirmed and produced" };
}

async function costingFails(e: Endpoints, customer: Customer): Promise<ScenarioOrder> {
  const fault = FAULTS.crmConsumerFails;
  const { orderId } = await uploadOrder(e.shopApi, {
    fileName: "gear.stl",
    content: stlModel(120),
    customer,
    customerAddress: DEMO_CUSTOMER_ADDRESS,
    fault,
  });
  return {
    label: "a cost result the CRM cannot process",
    orderId,
    customer,
    fault,
    outcome: "uploaded; its cost result is dead-lettered",
  };
}

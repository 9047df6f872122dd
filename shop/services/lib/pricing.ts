/*
 * The MES's price for printing a part: a setup fee plus material and machine time, both estimated
 * from the model file's size (the reference shop does not slice real geometry).
 */

const SETUP_CENTS = 500;
const CENTS_PER_KIB: Record<string, number> = { PLA: 2, PETG: 3, ABS: 3 };

export function quoteCents(bytes: number, material: string): number {
  const rate = CENTS_PER_KIB[material];
  if (rate === undefined) throw new Error(`the MES does not print ${material}`);
  return SETUP_CENTS + Math.ceil((bytes / 1024) * rate);
}

/** SVG coordinates to a tenth of a pixel: finer only makes the page larger. */
export const round1 = (n: number): number => Math.round(n * 10) / 10;

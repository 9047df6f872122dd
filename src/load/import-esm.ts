/**
 * import() of a package that works only as an ES module (tsx's API: its CommonJS build cannot load
 * its own loader). The CLI bundle is a script run through node:vm (src/cli/code-cache.ts), where
 * import() is not available on Node 20, so scripts/bundle-cli.ts puts the bundle loader's import here.
 */
export const importEsm = (specifier: string): Promise<unknown> => import(specifier);

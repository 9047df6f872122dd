/** A service's settings come from its environment; a missing one stops it at start, with its name. */
export function need(name: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") throw new Error(`${name} is not set`);
  return value.trim();
}

export function needPort(name: string, env: Readonly<Record<string, string | undefined>> = process.env): number {
  const port = Number(need(name, env));
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${name} must be a TCP port, not ${env[name]}`);
  return port;
}

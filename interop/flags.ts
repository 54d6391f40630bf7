// The official interop flags (doc/interop-test-descriptions.md: --name=value), parsed strictly: an unknown
// flag or a bad value is a usage error.

/** A usage error: the program prints it and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--name=value` or `--name value` pairs; known names only. */
export function parseFlags(argv: readonly string[], known: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z_]+)(?:=(.*))?$/.exec(argv[i]!);
    if (match === null) throw new UsageError(`unexpected argument '${argv[i]}'`);
    const name = match[1]!;
    if (!known.includes(name)) throw new UsageError(`unknown flag --${name}; known: ${known.map((k) => `--${k}`).join(', ')}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return flags;
}

export function booleanFlag(flags: Map<string, string>, name: string, fallback: boolean): boolean {
  const value = flags.get(name);
  if (value === undefined) return fallback;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new UsageError(`--${name} must be true or false, got '${value}'`);
}

export function integerFlag(flags: Map<string, string>, name: string, fallback?: number): number {
  const value = flags.get(name);
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, got '${value}'`);
  return Number(value);
}

/** Runs `main`; a UsageError exits 2 with its message, any other failure exits 1. */
export function runProgram(main: () => Promise<number | undefined>): void {
  main().then((code) => {
    if (code !== undefined) process.exitCode = code;
  }, (err: unknown) => {
    console.error(err instanceof UsageError ? `usage: ${err.message}` : err);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  });
}

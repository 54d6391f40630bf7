// Finds Debian's nginx or haproxy for the proxy tests, installing both with install-proxies.sh (apt-get) when one
// is missing and we are root; otherwise says why, so the suite skips visibly (or fails under CI=true).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INSTALL_SCRIPT = fileURLToPath(new URL('../../../test/proxies/install-proxies.sh', import.meta.url));
// Debian puts both in /usr/sbin, which a non-root user's PATH may lack.
const SYSTEM_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

export type ProxyBinary = { readonly path: string } | { readonly missing: string };

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function lookup(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SYSTEM_DIRS];
  return dirs.map((dir) => join(dir, name)).find(executable);
}

let installTried: { ok: boolean; output: string } | undefined;

// Tried once per process for both packages: the script is idempotent and installs only what is missing.
function install(): { ok: boolean; output: string } {
  if (installTried !== undefined) return installTried;
  if (process.getuid?.() !== 0 || lookup('apt-get') === undefined) {
    installTried = { ok: false, output: 'not root, or no apt-get here' };
  } else {
    const run = spawnSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8', timeout: 600_000 });
    installTried = { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
  }
  return installTried;
}

/** The binary's path, installing the Debian packages first when it is missing; or why it cannot be had. */
export function findProxyBinary(name: 'nginx' | 'haproxy'): ProxyBinary {
  const found = lookup(name);
  if (found !== undefined) return { path: found };
  const attempt = install();
  const installed = lookup(name);
  if (installed !== undefined) return { path: installed };
  return {
    missing: `${name} is not installed and could not be installed here (${attempt.output.split('\n').at(-1)}); ` +
      `run \`sudo bash test/proxies/install-proxies.sh\` (Debian/Ubuntu: apt-get install nginx haproxy)`,
  };
}

/** The first line a version flag prints (nginx writes it to stderr). */
export function versionOf(path: string, flag: string): string {
  const run = spawnSync(path, [flag], { encoding: 'utf8', timeout: 10_000 });
  return `${run.stdout}${run.stderr}`.split('\n')[0]?.trim() ?? '';
}

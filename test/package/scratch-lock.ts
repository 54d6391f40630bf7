// The scratch app's package-lock.json, cut from ours: the packages its dependencies reach, at the versions and
// places our lockfile pins. With it npm installs from the cache `npm ci` filled, without asking the registry.

/** The parts of a lockfile v3 entry this walk reads; the rest is copied as it is. */
interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

export interface Lockfile {
  name?: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
  [field: string]: unknown;
}

/**
 * A lockfile for an app named `name` with `dependencies` as its own, holding every package reachable from
 * `reached` (names resolved from the top, as node does). Throws on a required name our lockfile cannot resolve.
 */
export function cutLockfile(ours: Lockfile, name: string, dependencies: Record<string, string>, reached: string[]): Lockfile {
  const packages: Record<string, LockEntry> = { '': { name, dependencies } };
  const pending = reached.map((dependency) => ({ from: '', dependency, optional: false }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const path = resolve(ours, next.from, next.dependency);
    // An optional dependency our install skipped (another platform's binary) stays out here too.
    if (path === undefined && next.optional) continue;
    if (path === undefined) throw new Error(`package-lock.json has no ${next.dependency} reachable from '${next.from}'`);
    if (path in packages) continue;
    const entry = ours.packages[path] as LockEntry;
    // Dev-ness is ours, not the app's: npm recomputes these flags from the app's own tree.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
    packages[path] = kept;
    for (const dependency of Object.keys(entry.dependencies ?? {})) pending.push({ from: path, dependency, optional: false });
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) pending.push({ from: path, dependency, optional: true });
    for (const dependency of requiredPeers(entry)) pending.push({ from: path, dependency, optional: false });
  }
  return { name, version: '0.0.0', lockfileVersion: 3, requires: true, packages };
}

/** The peers npm installs with an entry: those not marked optional. */
function requiredPeers(entry: LockEntry): string[] {
  return Object.keys(entry.peerDependencies ?? {}).filter((peer) => entry.peerDependenciesMeta?.[peer]?.optional !== true);
}

/** Node's lookup in lockfile paths: `from`/node_modules/name, then each enclosing node_modules up to the top. */
function resolve(lock: Lockfile, from: string, dependency: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${dependency}`;
    if (candidate in lock.packages) return candidate;
    if (base === '') return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

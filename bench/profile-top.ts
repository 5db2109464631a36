// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by package, so the
// top items can be pasted into docs/performance.md.
// Usage: node --import tsx bench/profile-top.ts FILE [N] [SKIP_S] (SKIP_S: ignore the first seconds, i.e. start-up)
import { readFileSync } from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const IDLE = new Set(['(idle)', '(program)']);

/** Shares of busy time (idle excluded), after the first `skipS` seconds. */
export function topItems(profile: Profile, n = 15, skipS = 0): { functions: string[]; packages: string[]; ours: string[]; busyShare: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  let t = 0;
  let window = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t < skipS * 1e6) return;
    window += profile.timeDeltas[i] ?? 0;
    if (IDLE.has(byId.get(id)!.callFrame.functionName)) return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/src\//, 'src/');
    fn.set(`${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`, (fn.get(`${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`) ?? 0) + us);
    const owner = url === '' ? functionName : url.includes('/node_modules/')
      ? url.split('/node_modules/').pop()!.split('/').slice(0, url.split('/node_modules/').pop()!.startsWith('@') ? 2 : 1).join('/')
      : url.startsWith('node:') ? 'node core' : where.startsWith('src/') ? where.split('/').slice(0, 3).join('/') : where;
    pkg.set(owner, (pkg.get(owner) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  return { functions: rows(fn), packages: rows(pkg), ours: rows(inclusiveOurs(profile, byId, self)), busyShare: total / Math.max(1, window) };
}

/**
 * Inclusive time of this project's own functions (`src/`): a sample counts once for every distinct
 * function of ours on its stack. Self time alone hides a step whose cost is in library or Node code
 * it calls (a TypeBox check, a decryption), which is what a lever is usually about.
 */
function inclusiveOurs(profile: Profile, byId: Map<number, ProfileNode>, self: Map<number, number>): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const out = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      if (!url.includes('/src/') || url.includes('/node_modules/')) continue;
      seen.add(`${functionName || '(anonymous)'} ${url.replace(/^.*\/src\//, 'src/')}:${lineNumber + 1}`);
    }
    for (const key of seen) out.set(key, (out.get(key) ?? 0) + us);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, n, skip] = process.argv.slice(2);
  const { functions, packages, ours } = topItems(JSON.parse(readFileSync(file!, 'utf8')) as Profile, Number(n ?? 15), Number(skip ?? 0));
  console.log('share of busy time by function (self):\n' + functions.join('\n') + '\n\nby package:\n' + packages.join('\n') + '\n\nour functions, inclusive:\n' + ours.join('\n'));
}

import { readFile, readdir } from 'node:fs/promises';

/**
 * Memory of a process and all its descendants (Linux: the sum of their proportional set sizes,
 * so pages Chromium's processes share are counted once), in bytes; undefined where /proc is
 * missing. Used as Chromium's memory: browser, renderer, GPU and utility processes together.
 */
export async function processTreeBytes(rootPid: number): Promise<number | undefined> {
  let entries: string[];
  try {
    entries = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const parents = new Map<number, number>();
  await Promise.all(
    entries.map(async (name) => {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => undefined);
      // Fields after the parenthesised command name: state, ppid, ...
      const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN;
      if (Number.isInteger(ppid)) parents.set(Number(name), ppid);
    }),
  );
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let kilobytes = 0;
  let measured = false;
  for (const pid of tree) {
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => undefined);
    const pss = rollup ? /^Pss:\s+(\d+) kB/m.exec(rollup) : null;
    if (pss) {
      kilobytes += Number(pss[1]);
      measured = true;
    }
  }
  return measured ? kilobytes * 1024 : undefined;
}

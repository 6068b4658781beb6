export function buildNeeded(root?: string): string | undefined;
export function ensureBuilt(root?: string, build?: () => void): boolean;

import { transferHandlers } from 'comlink';

/**
 * comlink sends a thrown error as { message, name, stack } and drops its other fields; this keeps
 * a SmearscopeError's `code` so the caller gets the typed error back. Imported for its effect by
 * both sides of every worker (before any call).
 */
const base = transferHandlers.get('throw')!;
transferHandlers.set('throw', {
  canHandle: base.canHandle,
  serialize(thrown) {
    const [wire, transferables] = base.serialize(thrown);
    const error = (thrown as { value?: unknown }).value;
    const wireValue = (wire as { isError?: boolean; value?: Record<string, unknown> }).value;
    if (error instanceof Error && 'code' in error && wireValue && typeof wireValue === 'object')
      wireValue.code = (error as { code: unknown }).code;
    return [wire, transferables];
  },
  deserialize: base.deserialize,
});

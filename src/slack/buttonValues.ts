// Reads back the JSON that a button or menu option of ours carries; anything else (not JSON, not
// the expected shape) is undefined, never an exception.
import type * as z from 'zod/mini';

export function parseButtonValue<T>(schema: z.ZodMiniType<T>, raw: string | undefined): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

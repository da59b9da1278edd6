// What a Glue ML transform ID looks like ("tfm-" and hex). Anything else a person types is
// taken as a name. Kept free of SDK imports so the Slack handler can use it.
export const TRANSFORM_ID_PATTERN = /^tfm-[0-9a-f]{8,64}$/i;

export function looksLikeTransformId(value: string): boolean {
  return TRANSFORM_ID_PATTERN.test(value);
}

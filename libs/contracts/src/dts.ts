/** `dts*` values are ISO 8601 in UTC with milliseconds, e.g. `2023-12-20T12:44:28.498Z`. */
export function dts(value: Date | string | number): string {
  return new Date(value).toISOString();
}

export function dtsOrNull(value: Date | string | number | null | undefined): string | null {
  return value === null || value === undefined ? null : dts(value);
}

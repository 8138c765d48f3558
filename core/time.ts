/** Hour arithmetic in UTC: generation works in hour slots, and the watermark rule in whole hours. */
export const HOUR_MS = 3_600_000;

export function floorToHour(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / HOUR_MS) * HOUR_MS);
}

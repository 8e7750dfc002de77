/**
 * Burn-rate forecast for a budget period, pure. The rate is the average daily spend of the period
 * so far (today counted pro rata, so a quiet morning does not read as a slowdown); the forecast is
 * spent + rate × the time left; the exhaustion date is when spent + rate × time reaches the limit.
 */
export type Forecast = {
  burnPerDayMicros: number;
  projectedMicros: number;
  /** When the limit is reached at this rate; null when it is not reached before the period ends. */
  exhaustsAt: Date | null;
  /** Fraction of the limit spent (0…). */
  usedFraction: number;
};

export function forecastBudget(input: { spentMicros: number; limitMicros: number; periodStart: Date; periodEnd: Date; now: Date }): Forecast {
  const { spentMicros, limitMicros, periodStart, periodEnd, now } = input;
  const DAY = 86_400_000;
  const elapsedDays = Math.max((now.getTime() - periodStart.getTime()) / DAY, 1 / 24); // at least an hour
  const burn = spentMicros / elapsedDays;
  const remainingDays = Math.max(0, (periodEnd.getTime() - now.getTime()) / DAY);
  const projected = Math.round(spentMicros + burn * remainingDays);
  let exhaustsAt: Date | null = null;
  if (spentMicros >= limitMicros) exhaustsAt = now;
  else if (burn > 0) {
    const at = new Date(now.getTime() + ((limitMicros - spentMicros) / burn) * DAY);
    if (at.getTime() < periodEnd.getTime()) exhaustsAt = at;
  }
  return { burnPerDayMicros: Math.round(burn), projectedMicros: projected, exhaustsAt, usedFraction: limitMicros > 0 ? spentMicros / limitMicros : 0 };
}

import { badInput } from './errors';

/** Trims a human-facing name and checks its length; names are shown in agent UIs, so blank is refused. */
export function normalizeName(field: string, value: string, maxLength = 200): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw badInput(field, `${field} must not be blank`);
  if (trimmed.length > maxLength) throw badInput(field, `${field} must be at most ${maxLength} characters`);
  return trimmed;
}

/** Update inputs use null only where clearing a value makes sense; elsewhere null is a mistake worth naming. */
export function rejectNull<T>(field: string, value: T | null | undefined): T | undefined {
  if (value === null) throw badInput(field, `${field} cannot be null; omit it to keep the current value`);
  return value;
}

import { notFound } from '../domain/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are UUIDs; anything else cannot name a row, so it is NOT_FOUND before it reaches SQL
 * (where it would be a type error, not a clear refusal).
 */
export function requireId(what: string, id: string): string {
  if (!UUID.test(id)) throw notFound(what, id);
  return id.toLowerCase();
}

export function isId(id: string): boolean {
  return UUID.test(id);
}

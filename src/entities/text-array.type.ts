import { ArrayType, type Platform } from '@mikro-orm/core';

/**
 * A PostgreSQL array literal with every element quoted. MikroORM's own leaves elements bare unless
 * they hold a special character, and PostgreSQL reads a bare NULL (any case) as SQL NULL: a skill
 * named "null" was stored as NULL, and every later read of its row failed.
 */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/** `text[]` columns, written with textArrayLiteral. */
export class TextArrayType extends ArrayType<string> {
  override convertToDatabaseValue(
    value: string[] | null,
    platform: Platform,
    context?: unknown,
  ): string | null {
    if (Array.isArray(value)) return textArrayLiteral(value);
    return super.convertToDatabaseValue(value, platform, context as never) as string | null;
  }
}
